using Diffusion.Cli.Commands;

// With no arguments the service starts, so `./run.sh` alone serves.
if (args.Length == 0) args = [ServeCommand.Name];

return await CommandErrors.InvokeAsync(CliRoot.Create().Parse(args));
