// V8 flags of the CLI's one-shot process, set by the launcher (launch.ts) before it compiles the
// CLI and again by runCli() when the CLI bundle is run directly.
//  --interrupt-budget=300000: V8's default budget (132k) has TurboFan compile code that runs only
//    briefly, paid for on two cores; 300k took a fresh `ghostlens analyze` of timm efficientnet_b0
//    from ~600 to ~525 ms side by side (bench/analyze.mjs). Not in the editor's long-lived engine:
//    there its warm analyses were slower.
//  --expose-gc: the analysis budget's heap meter collects before it measures (nodeHost.ts sets it
//    too). Set before compiling because V8 accepts compiled code only under the flags it was made
//    with, and the launcher's code cache is made at exit, after nodeHost has set it.
export const CLI_V8_FLAGS: readonly string[] = ['--interrupt-budget=300000', '--expose-gc'];
