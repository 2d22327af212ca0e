using Diffusion.CacheStore;

namespace Diffusion.CacheStore.Tests.Format;

public sealed class IdsTests
{
    [Fact]
    public void Entry_ids_are_non_negative_and_round_trip_through_their_string_form()
    {
        for (int i = 0; i < 100; i++)
        {
            var id = CacheEntryId.New();
            Assert.True(id.Value > 0);
            Assert.Equal(16, id.ToString().Length);
            Assert.Equal(id, CacheEntryId.Parse(id.ToString()));
        }
        Assert.Throws<ArgumentOutOfRangeException>(() => new CacheEntryId(-1));
        Assert.False(CacheEntryId.TryParse("xyz", out _));
        Assert.False(CacheEntryId.TryParse("ffffffffffffffff", out _)); // negative as int64
    }

    [Fact]
    public void Tenant_ids_are_validated_and_default_equals_Default()
    {
        Assert.Equal(TenantId.Default, default(TenantId));
        Assert.Equal("default", default(TenantId).Value);
        Assert.Equal(new TenantId("acme-1"), new TenantId("acme-1"));
        Assert.Contains("lower-case", Assert.Throws<ArgumentException>(() => new TenantId("Acme")).Message);
        Assert.Throws<ArgumentException>(() => new TenantId("a/b"));
        Assert.Throws<ArgumentException>(() => new TenantId(""));
        Assert.Throws<ArgumentException>(() => new TenantId(new string('a', 65)));
    }
}
