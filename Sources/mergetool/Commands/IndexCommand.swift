import ArgumentParser
import SafeTensors

/// `mergetool index OUT`: assembles the parts of a `--part` merge into the checkpoint OUT.
struct IndexCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "index",
        abstract: "Assemble the finished parts of a merge run with --part i/n into OUT.",
        discussion: """
            Checks that every part left its completion marker in .OUT.parts/ (naming the \
            missing parts otherwise) and that all belong to one merge, then writes \
            model.safetensors.index.json, the config/tokenizer files and the model card and \
            moves OUT into place atomically. The last part to finish does this by itself; \
            running it again afterwards does nothing.

            Example (a Slurm array of 8 parts, then the index):
              sbatch --array=1-8 --wrap 'mergetool slerp ft1 ft2 --init sft -o merged \\
                --part $SLURM_ARRAY_TASK_ID/8'
              sbatch --dependency=afterok:<array job id> --wrap 'mergetool index merged'
            """)

    @Argument(help: "The output directory the parts were written for (-o of the merge).")
    var output: String

    @Flag(help: "Replace an existing OUT that mergetool did not write (checkpoint files only).")
    var force = false

    func run() throws {
        switch try PartCommit.assemble(out: output, force: force ? true : nil) {
        case .alreadyAssembled:
            print("\(output): no parts in progress; already assembled")
        case let .assembled(count, files):
            print("\(output): assembled from \(count) parts (\(files.count) files)")
        }
    }
}
