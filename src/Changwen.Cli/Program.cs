using Changwen.Cli;

// Training runs on this (the main) thread; see MainThreadWork for why.
return CliApp.Run(args, host: MainThreadWork.Serve);
