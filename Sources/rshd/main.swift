import RemoteShell

ServerCommand.main(CommandLine.arguments)
