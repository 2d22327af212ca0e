using System.CommandLine;
using Diffusion.CacheStore;
using Diffusion.Engine.Scheduling;
using Diffusion.Server.Identity;
using Diffusion.Server.Options;

namespace Diffusion.Cli.Commands;

/// <summary>
/// <c>keys add|list|revoke</c>: manages the keys file the server reads at start-up (<c>{data-dir}/api-keys.json</c>).
/// Keys are stored as SHA-256 hashes; <c>add</c> prints the new key once. A running server reads the file when it starts.
/// </summary>
public static class KeysCommand
{
    public static Command Create()
    {
        var command = new Command("keys", $"API keys: each maps to a tenant and a role. Stored hashed in {{data-dir}}/{ApiKeyFile.DefaultName}; restart the server after a change.");
        command.Add(Add());
        command.Add(List());
        command.Add(Revoke());
        return command;
    }

    private static Option<string> FileOption() => new("--file")
    {
        Description = "The keys file; the server reads {data-dir}/" + ApiKeyFile.DefaultName + " (or its --api-keys)",
        DefaultValueFactory = _ => Path.Combine(new ServerOptions().DataDirectory, ApiKeyFile.DefaultName),
    };

    private static Command Add()
    {
        var tenant = new Option<string>("--tenant") { Description = "Tenant the key acts for (1-64 of a-z 0-9 _ -): its images, jobs and cache", Required = true };
        var role = new Option<string>("--role") { Description = "user: generate and read its own work; admin: also metrics and operations", DefaultValueFactory = _ => "user" };
        role.AcceptOnlyFromAmong("user", "admin");
        var scope = new Option<string>("--cache-scope")
        {
            Description = "private: start only from the tenant's own cache entries; shared: also from the shared pool of opted-in tenants (docs/reliability.md)",
            DefaultValueFactory = _ => "private",
        };
        scope.AcceptOnlyFromAmong("private", "shared");
        var slo = new Option<string>("--slo")
        {
            Description = "The SLO class of the tenant's requests that name none: interactive (due at twice their own time alone) or batch (no deadline, served after interactive work within the aging bound)",
            DefaultValueFactory = _ => "interactive",
        };
        slo.AcceptOnlyFromAmong("interactive", "batch");
        var file = FileOption();
        var command = new Command("add", "Create a key and print it once (only its hash is stored).") { tenant, role, scope, slo, file };
        command.SetAction(parse =>
        {
            if (!TenantId.TryParse(parse.GetValue(tenant), out var id))
            {
                parse.InvocationConfiguration.Error.WriteLine($"keys add: --tenant '{parse.GetValue(tenant)}' must be 1-64 of a-z 0-9 _ -");
                return 2;
            }
            ApiRoles.TryParseRole(parse.GetValue(role), out var parsedRole);
            ApiRoles.TryParseScope(parse.GetValue(scope), out var parsedScope);
            ServiceLevel.TryParseClass(parse.GetValue(slo), out var parsedSlo);
            var key = ApiKeyEntry.NewKey();
            var entry = ApiKeyEntry.ForKey(key, id, parsedRole, parsedScope, parsedSlo);
            var path = parse.GetValue(file)!;
            ApiKeyFile.Append(path, entry);
            parse.InvocationConfiguration.Output.WriteLine(key);
            parse.InvocationConfiguration.Error.WriteLine(
                $"keys add: {entry.Id} for tenant {id} ({parsedRole.ToName()}, cache {parsedScope.ToName()}, slo {ServiceLevel.Name(parsedSlo)}) written to {path}; the key above is shown only now");
            return 0;
        });
        return command;
    }

    private static Command List()
    {
        var file = FileOption();
        var command = new Command("list", "The keys in the file: id, tenant, role, cache scope, default SLO class (never the keys).") { file };
        command.SetAction(parse =>
        {
            var path = parse.GetValue(file)!;
            var entries = File.Exists(path) ? ApiKeyFile.Load(path) : [];
            foreach (var e in entries)
                parse.InvocationConfiguration.Output.WriteLine($"{e.Id}\t{e.Tenant}\t{e.Role.ToName()}\t{e.Scope.ToName()}\t{ServiceLevel.Name(e.DefaultSlo)}");
            if (entries.Count == 0) parse.InvocationConfiguration.Error.WriteLine($"keys list: no keys in {path}; the server is open (loopback only)");
            return 0;
        });
        return command;
    }

    private static Command Revoke()
    {
        var id = new Argument<string>("id") { Description = "The key's id, as `keys list` shows it (key_...)" };
        var file = FileOption();
        var command = new Command("revoke", "Remove a key from the file; restart the server to apply.") { id, file };
        command.SetAction(parse =>
        {
            var path = parse.GetValue(file)!;
            if (!ApiKeyFile.Remove(path, parse.GetValue(id)!))
            {
                parse.InvocationConfiguration.Error.WriteLine($"keys revoke: no key {parse.GetValue(id)} in {path}");
                return 1;
            }
            parse.InvocationConfiguration.Error.WriteLine($"keys revoke: removed {parse.GetValue(id)} from {path}; restart the server to apply");
            return 0;
        });
        return command;
    }
}
