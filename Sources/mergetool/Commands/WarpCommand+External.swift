import ArgumentParser
import Foundation
import Reinforce

/// `mergetool warp` with `--trainer COMMAND`, `--evaluator` or `--executor slurm`: the loop as
/// tasks that run apart (`ExternalWarp`), on this machine or as Slurm jobs.
extension WarpCommand {
    /// The mergetool executable (absolute), which Slurm jobs and the built-in commands run.
    static var program: String {
        let path = Bundle.main.executablePath ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: path).standardizedFileURL.path
    }

    /// The external configuration: `--trainer builtin` becomes `mergetool train rl` with the
    /// loop's settings (`--fixed-length`, `--length-penalty` and the baselines included), and
    /// then `mergetool eval` is the default evaluator (the built-in task). A trainer COMMAND
    /// samples and scores as it does: `--fixed-length` and `--length-penalty` are refused; the
    /// baselines run when it takes `{anchor}` (a `--baseline` list without it is refused, the
    /// default becomes none).
    func externalConfig() throws -> ExternalWarpConfig {
        var settings = try settings
        var trainer = executor.trainer
        var evaluator = executor.evaluator
        if trainer == "builtin" {
            trainer = Self.builtinTrainer(settings, program: Self.program)
            evaluator = evaluator ?? Self.builtinEvaluator(settings, program: Self.program)
        } else {
            if settings.fixedLength || (settings.lengthPenalty ?? 0) != 0 {
                throw ValidationError(
                    "--fixed-length and --length-penalty change how the built-in trainer samples "
                        + "and scores; a --trainer COMMAND does that itself (give it its own options)"
                )
            }
            if !WarpCommandTemplate(trainer).uses("anchor") {
                if baselineOption.map({ !$0.values.isEmpty }) == true {
                    throw ValidationError(
                        "--baseline trains SFT-anchored runs with the trainer: give --trainer "
                            + "{anchor} (ema or sft) and {beta}, or pass --baseline none")
                }
                settings.baselines = []
            }
        }
        let absolute = { (p: String) in URL(fileURLWithPath: p).standardizedFileURL.path }
        if let sft = executor.sft, !FileManager.default.fileExists(atPath: sft) {
            throw ValidationError("--sft \(sft): no such checkpoint")
        }
        return ExternalWarpConfig(
            settings: settings, trainer: WarpCommandTemplate(trainer),
            evaluator: evaluator.map(WarpCommandTemplate.init), sft: executor.sft.map(absolute),
            mergeParts: executor.mergeParts)
    }

    /// `mergetool train rl` with the loop's run settings: the same runs (and baselines, with
    /// `{anchor}` sft) as in process.
    static func builtinTrainer(_ s: WarpSettings, program: String) -> String {
        let q = WarpCommandTemplate.quoted
        return [
            q(program), "train rl --init {init} --sft {sft} -o {workdir} --anchor {anchor}",
            "--mu \(s.mu) --beta {beta} --steps {steps}",
            "--batch \(s.reinforce.batchSize) --new-tokens \(s.reinforce.newTokens)",
            "--temperature \(s.reinforce.temperature) --lr \(s.reinforce.optimizer.learningRate)",
            "--reward \(q(s.reward))",
            "--reward-timeout \(s.rewardTimeout ?? ExternalReward.defaultTimeout)",
            "--seed {seed} --prompt-seed {prompt_seed} --quiet",
        ].joined(separator: " ") + knobs(s)
    }

    /// ` --length-penalty α --fixed-length` as the settings ask (empty for neither).
    static func knobs(_ s: WarpSettings) -> String {
        var text = ""
        if let alpha = s.lengthPenalty, alpha != 0 { text += " --length-penalty \(alpha)" }
        if s.fixedLength { text += " --fixed-length" }
        return text
    }

    /// `mergetool eval --json` with the loop's held-out evaluation (same prompts and draws;
    /// `eval` pins one BLAS thread, as in process, so the sums are taken in the same order).
    static func builtinEvaluator(_ s: WarpSettings, program: String) -> String {
        let e = s.evaluationSettings
        let q = WarpCommandTemplate.quoted
        return [
            q(program), "eval {checkpoint} --sft {sft} --json",
            "--prompts \(e.promptCount) --samples \(e.samplesPerPrompt)",
            "--new-tokens \(e.newTokens) --temperature \(e.temperature)",
            "--reward \(q(s.reward))",
            "--reward-timeout \(s.rewardTimeout ?? ExternalReward.defaultTimeout)",
            "--seed {eval_seed}",
        ].joined(separator: " ") + knobs(s)
    }

    func runExternal() throws {
        let clock = Date()
        let warp = try ExternalWarp(config: try externalConfig(), directory: runDir)
        if !quiet {
            warp.log = { line in
                stderrLine(String(format: "[%6.1fs] ", Date().timeIntervalSince(clock)) + line)
            }
        }
        switch executor.executor {
        case .local:
            try LocalWarpExecutor(warp: warp, parallel: parallel).run()
        case .slurm:
            var slurm = SlurmWarpExecutor(
                warp: warp, options: executor.slurmOptions, program: Self.program)
            slurm.log = warp.log
            if let emit = executor.emit {
                for path in try slurm.emit(to: emit) { print("wrote \(path)") }
                return
            }
            let jobs = try slurm.submit()
            for job in jobs {
                print("\(job.name): job \(job.id ?? "?") (\(job.tasks.joined(separator: " ")))")
            }
            guard executor.wait else {
                print("submitted; follow with: mergetool warp status \(runDir)")
                return
            }
            try slurm.wait()
        }
        print(try String(contentsOfFile: warp.directory.table, encoding: .utf8), terminator: "")
        print(
            String(
                format: "wrote %@ (summary.json, front.txt) in %.1f s", runDir,
                Date().timeIntervalSince(clock)))
    }
}
