using System.Globalization;
using Diffusion.Cli.Commands;

// Globalization is on (ICU) for Unicode normalisation; machine-read output (files, JSON, CLI numbers) must not
// depend on the user's locale, so every thread formats and parses with the invariant culture.
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.DefaultThreadCurrentUICulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.CurrentUICulture = CultureInfo.InvariantCulture;

// With no arguments the service starts, so `./run.sh` alone serves.
if (args.Length == 0) args = [ServeCommand.Name];

return await CommandErrors.InvokeAsync(CliRoot.Create().Parse(args));
