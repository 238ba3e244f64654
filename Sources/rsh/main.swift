import RemoteShell

ClientCommand.main(CommandLine.arguments)
