using Diffusion.Server.Identity;

namespace Diffusion.Server.Tests.Identity;

public sealed class ApiKeyTests : IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("diffusion-keys-").FullName;

    public void Dispose() => Directory.Delete(directory, recursive: true);

    [Fact]
    public void The_keys_file_stores_only_hashes_and_finds_keys_by_them()
    {
        var path = Path.Combine(directory, "api-keys.json");
        var key = ApiKeyEntry.NewKey();
        ApiKeyFile.Append(path, ApiKeyEntry.ForKey(key, new("alice"), ApiRole.Admin, CacheScope.Shared));
        ApiKeyFile.Append(path, ApiKeyEntry.ForKey(ApiKeyEntry.NewKey(), new("bob"), ApiRole.User, CacheScope.Private));

        Assert.DoesNotContain(key, File.ReadAllText(path), StringComparison.Ordinal);
        var ring = new ApiKeyRing(ApiKeyFile.Load(path));
        var found = ring.Find(key);
        Assert.NotNull(found);
        Assert.Equal(("alice", ApiRole.Admin, CacheScope.Shared), (found.Tenant.Value, found.Role, found.Scope));
        Assert.Null(ring.Find(key[..^1] + (key[^1] == 'a' ? 'b' : 'a')));
        Assert.Equal(["alice"], ring.SharedTenants.Select(t => t.Value));

        Assert.True(ApiKeyFile.Remove(path, found.Id));
        Assert.Null(new ApiKeyRing(ApiKeyFile.Load(path)).Find(key));
        Assert.False(ApiKeyFile.Remove(path, found.Id));
    }

    [Theory]
    [InlineData("alice", "fields")]
    [InlineData("Alice:0123456789abcdef", "tenant 'Alice'")]
    [InlineData("alice:root:0123456789abcdef", "role 'root'")]
    [InlineData("alice:user:public:0123456789abcdef", "scope 'public'")]
    [InlineData("alice:short", "at least 16")]
    public void Clear_text_keys_with_a_mistake_are_refused_with_the_reason(string text, string reason)
    {
        var error = Assert.Throws<InvalidDataException>(() => ApiKeyText.Parse(text));
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Clear_text_keys_default_to_user_and_private()
    {
        var entries = ApiKeyText.Parse(" alice:0123456789abcdef ;bob:admin:shared:fedcba9876543210;");
        Assert.Equal(2, entries.Count);
        Assert.Equal((ApiRole.User, CacheScope.Private), (entries[0].Role, entries[0].Scope));
        Assert.Equal((ApiRole.Admin, CacheScope.Shared), (entries[1].Role, entries[1].Scope));
        Assert.Equal(ApiKeyEntry.Hash("0123456789abcdef"), entries[0].Sha256);
    }

    [Fact]
    public void A_key_given_twice_for_different_tenants_is_refused()
    {
        var error = Assert.Throws<InvalidDataException>(() => new ApiKeyRing(ApiKeyText.Parse("alice:0123456789abcdef;bob:0123456789abcdef")));
        Assert.Contains("twice", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://127.0.0.1:5000", false)]
    [InlineData("http://localhost:5000", false)]
    [InlineData("http://[::1]:5000", false)]
    [InlineData("http://0.0.0.0:5000", true)]
    [InlineData("http://*:5000", true)]
    [InlineData("http://+:5000", true)]
    [InlineData("http://192.168.1.20:5000", true)]
    [InlineData("http://[::]:5000", true)]
    public void Only_loopback_addresses_may_serve_without_keys(string url, bool refused)
    {
        var open = new ApiKeyRing([]);
        var problem = ExposureCheck.Problem([url], open);
        Assert.Equal(refused, problem is not null);
        if (refused) Assert.Contains("keys add", problem, StringComparison.Ordinal);
        Assert.Null(ExposureCheck.Problem([url], new ApiKeyRing(ApiKeyText.Parse("alice:0123456789abcdef"))));
    }
}
