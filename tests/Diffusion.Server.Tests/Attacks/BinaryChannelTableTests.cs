using Diffusion.Cli.Attacks.Scoring;

namespace Diffusion.Server.Tests.Attacks;

/// <summary>Mutual information and Fisher's exact test from a binary channel's 2×2 table.</summary>
public sealed class BinaryChannelTableTests
{
    [Fact]
    public void A_perfect_channel_with_balanced_bits_carries_one_bit_per_symbol()
    {
        Assert.Equal(1.0, new BinaryChannelTable(32, 0, 0, 32).MutualInformationBits(), 12);
        // an inverted channel is as informative
        Assert.Equal(1.0, new BinaryChannelTable(0, 32, 32, 0).MutualInformationBits(), 12);
    }

    [Fact]
    public void Every_decoded_bit_the_same_carries_exactly_nothing()
    {
        Assert.Equal(0.0, new BinaryChannelTable(32, 0, 32, 0).MutualInformationBits());
        Assert.Equal(0.0, new BinaryChannelTable(0, 32, 0, 32).MutualInformationBits());
        Assert.Equal(0.0, BinaryChannelTable.Empty.MutualInformationBits());
    }

    [Fact]
    public void Independent_counts_carry_nothing()
    {
        Assert.Equal(0.0, new BinaryChannelTable(10, 10, 10, 10).MutualInformationBits(), 12);
        Assert.Equal(0.0, new BinaryChannelTable(30, 10, 15, 5).MutualInformationBits(), 12);
    }

    [Fact]
    public void A_binary_symmetric_channel_carries_one_minus_the_entropy_of_its_error_rate()
    {
        // 10 % errors, balanced input: 1 − H(0.1) = 0.531 bits
        var h = -(0.1 * Math.Log2(0.1) + 0.9 * Math.Log2(0.9));
        var table = new BinaryChannelTable(45, 5, 5, 45);
        Assert.Equal(1 - h, table.MutualInformationBits(), 12);
        Assert.Equal(0.1, table.ErrorRate, 12);
        Assert.Equal(10, table.Errors);
    }

    [Fact]
    public void One_false_positive_among_64_symbols_gives_a_small_but_positive_estimate()
    {
        // the plug-in estimate's bias: what a single noisy decode costs against a 1 bit/hour goal
        var table = new BinaryChannelTable(31, 1, 32, 0);
        var information = table.MutualInformationBits();
        Assert.InRange(information, 0.01, 0.02);
        Assert.Equal(1.0, table.FisherExactPValue(), 9);
    }

    [Fact]
    public void Add_counts_each_cell()
    {
        var table = BinaryChannelTable.Empty.Add(false, false).Add(false, true).Add(true, false).Add(true, true).Add(true, true);
        Assert.Equal(new BinaryChannelTable(1, 1, 1, 2), table);
        Assert.Equal(5, table.Symbols);
    }

    [Fact]
    public void Fisher_matches_the_tea_tasting_example()
    {
        // Fisher's lady tasting tea, 3 of 4 right each way: two-sided p = 34/70
        Assert.Equal(34.0 / 70, new BinaryChannelTable(3, 1, 1, 3).FisherExactPValue(), 9);
        Assert.Equal(1.0, new BinaryChannelTable(10, 10, 10, 10).FisherExactPValue(), 9);
        Assert.True(new BinaryChannelTable(32, 0, 0, 32).FisherExactPValue() < 1e-15);
    }
}

/// <summary>The information a table shows beyond what independent bits with the same margins give.</summary>
public sealed class MutualInformationAboveChanceTests
{
    [Fact]
    public void A_single_noisy_decode_shows_nothing_above_chance()
    {
        // wherever the one decoded 1 falls, the plug-in estimate is the same: it is all bias
        var table = new BinaryChannelTable(31, 1, 32, 0);
        Assert.Equal(table.MutualInformationBits(), table.MutualInformationUnderIndependence(), 12);
        Assert.Equal(0.0, table.MutualInformationAboveChance(), 12);
    }

    [Fact]
    public void A_clean_channel_keeps_nearly_all_its_information()
    {
        var table = new BinaryChannelTable(32, 0, 0, 32);
        Assert.InRange(table.MutualInformationUnderIndependence(), 0.005, 0.02);
        Assert.InRange(table.MutualInformationAboveChance(), 0.98, 0.995);
    }

    [Fact]
    public void Degenerate_margins_carry_nothing_either_way()
    {
        Assert.Equal(0.0, new BinaryChannelTable(32, 0, 32, 0).MutualInformationUnderIndependence());
        Assert.Equal(0.0, BinaryChannelTable.Empty.MutualInformationAboveChance());
    }
}
