Console.WriteLine("preflight");
