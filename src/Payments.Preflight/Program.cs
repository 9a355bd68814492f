return Payments.Preflight.Cli.Run(args, Console.Out, Console.Error);
