import ArgumentParser
import Reinforce

/// Where `mergetool warp` trains and evaluates: the trainer and evaluator commands, the SFT
/// start and the executor (this machine or a Slurm cluster) with its sbatch options.
struct ExecutorOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "'builtin', or a command per RL run with {init} {out} {seed} {run} {iteration} "
                + "{steps} (also {sft} {workdir} {prompt_seed} {eval_seed}, and as "
                + "MERGETOOL_INIT… in its environment) writing a Hugging Face checkpoint to {out}.",
            valueName: "builtin|COMMAND"))
    var trainer = "builtin"
    @Option(
        help: ArgumentHelp(
            "A command scoring {checkpoint} against {sft}: a JSON object with reward, kl (and "
                + "any other fields) on stdout.", valueName: "COMMAND"))
    var evaluator: String?
    @Option(help: "Start from this SFT checkpoint instead of training one.")
    var sft: String?
    @Option(help: ArgumentHelp("Where the runs go.", valueName: "local|slurm"))
    var executor = Executor.local
    @Option(help: "Slurm partition of the jobs.") var partition: String?
    @Option(help: "Slurm account of the jobs.") var account: String?
    @Option(help: "Slurm time limit of each job, e.g. 04:00:00.") var time: String?
    @Option(help: "Generic resources of each training run, e.g. gpu:1.") var gres: String?
    @Option(
        name: .customLong("sbatch-arg"),
        help: "One more sbatch argument for every job, e.g. --mem=8G (repeatable).")
    var sbatchArgs: [String] = []
    @Flag(help: "With --executor slurm: block until the loop finished (fail if a job failed).")
    var wait = false
    @Option(help: "With --executor slurm: write the job scripts to DIR without submitting.")
    var emit: String?
    @Option(
        name: .customLong("merge-parts"),
        help: ArgumentHelp(
            "Split each iteration's merge into N parts (whole groups; a Slurm job array, or "
                + "--parallel at once here) and an assembling job; same bytes as N = 1.",
            valueName: "N"))
    var mergeParts = 1

    enum Executor: String, ExpressibleByArgument, CaseIterable {
        case local, slurm
    }

    /// The default path: built-in trainer, in this process (merging in memory, in one part).
    var isInProcess: Bool { trainer == "builtin" && executor == .local && mergeParts == 1 }

    var slurmOptions: SlurmOptions {
        var o = SlurmOptions()
        o.partition = partition
        o.account = account
        o.time = time
        o.gres = gres
        o.extra = sbatchArgs
        return o
    }

    func validate() throws {
        if trainer.trimmingCharacters(in: .whitespaces).isEmpty {
            throw ValidationError("--trainer must be 'builtin' or a command")
        }
        if executor == .local,
            wait || emit != nil || !sbatchArgs.isEmpty || partition != nil
                || account != nil || time != nil || gres != nil
        {
            throw ValidationError(
                "--wait, --emit, --partition, --account, --time, --gres and --sbatch-arg need "
                    + "--executor slurm")
        }
        if wait, emit != nil { throw ValidationError("--emit submits nothing: drop --wait") }
        if mergeParts < 1 { throw ValidationError("--merge-parts must be at least 1") }
    }
}
