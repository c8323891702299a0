using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Mnemo.DataPlane;

namespace Mnemo.Memshack.Tests;

/// <summary>Ch3 must land every key on the shard mcrouter would: golden values from mcrouter's own tests.</summary>
public sealed partial class Ch3HashTests
{
    private static readonly string[] VectorLines = File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "TestData", "ch3_vectors.tsv"));

    public static TheoryData<string, uint, uint> Vectors()
    {
        var data = new TheoryData<string, uint, uint>();
        foreach (string line in VectorLines)
        {
            if (line.StartsWith('#') || line.Length == 0)
            {
                continue;
            }
            string[] columns = line.Split('\t');
            data.Add(columns[0], uint.Parse(columns[1], CultureInfo.InvariantCulture), uint.Parse(columns[2], CultureInfo.InvariantCulture));
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Vectors))]
    public void Golden_vector_matches_mcrouter(string key, uint poolSize, uint expected)
    {
        Assert.Equal(expected, FurcHash.Hash(Encoding.UTF8.GetBytes(key), poolSize));
    }

    [Fact]
    public void Vector_file_has_vectors_and_summary_lines()
    {
        Assert.True(Vectors().Count >= 25);
        Assert.Contains(VectorLines, l => l.StartsWith("# distribution:", StringComparison.Ordinal));
        Assert.Contains(VectorLines, l => l.StartsWith("# bulk checksum:", StringComparison.Ordinal));
    }

    [Fact]
    public void Distribution_matches_mcrouter()
    {
        string line = VectorLines.Single(l => l.StartsWith("# distribution:", StringComparison.Ordinal));
        MatchCollection clauses = DistributionClause().Matches(line);
        Assert.Equal(2, clauses.Count);
        foreach (Match clause in clauses)
        {
            int last = int.Parse(clause.Groups["last"].Value, CultureInfo.InvariantCulture);
            uint poolSize = uint.Parse(clause.Groups["m"].Value, CultureInfo.InvariantCulture);
            int[] expected = clause.Groups["counts"].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries)
                .Select(c => int.Parse(c, CultureInfo.InvariantCulture)).ToArray();

            var counts = new int[poolSize];
            for (int i = 0; i <= last; i++)
            {
                counts[FurcHash.Hash(Encoding.ASCII.GetBytes(i.ToString(CultureInfo.InvariantCulture)), poolSize)]++;
            }
            Assert.Equal(expected, counts);
        }
    }

    [Fact]
    public void Bulk_checksums_match_mcrouter()
    {
        string line = VectorLines.Single(l => l.StartsWith("# bulk checksum:", StringComparison.Ordinal));
        Match range = ChecksumRange().Match(line);
        Assert.True(range.Success, line);
        int last = int.Parse(range.Groups["last"].Value, CultureInfo.InvariantCulture);
        MatchCollection sums = ChecksumClause().Matches(line);
        Assert.Equal(4, sums.Count);

        foreach (Match sum in sums)
        {
            uint poolSize = uint.Parse(sum.Groups["m"].Value, CultureInfo.InvariantCulture);
            uint accumulator = 0;
            for (int i = 0; i <= last; i++)
            {
                accumulator = unchecked(accumulator * 31 + FurcHash.Hash(Encoding.ASCII.GetBytes("k" + i.ToString(CultureInfo.InvariantCulture)), poolSize));
            }
            Assert.Equal(uint.Parse(sum.Groups["sum"].Value, CultureInfo.InvariantCulture), accumulator);
        }
    }

    [Fact]
    public void Pool_of_one_or_zero_is_shard_zero_and_oversized_pool_is_refused()
    {
        Assert.Equal(0u, FurcHash.Hash("anything"u8, 1));
        Assert.Equal(0u, FurcHash.Hash("anything"u8, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => FurcHash.Hash("k"u8, FurcHash.MaxPoolSize + 1));
    }

    [Fact]
    public void Growing_the_pool_moves_only_keys_that_go_to_the_new_shard()
    {
        int moved = 0;
        for (int i = 0; i < 10_000; i++)
        {
            byte[] key = Encoding.ASCII.GetBytes("key:" + i.ToString(CultureInfo.InvariantCulture));
            uint before = FurcHash.Hash(key, 10);
            uint after = FurcHash.Hash(key, 11);
            if (before != after)
            {
                Assert.Equal(10u, after);
                moved++;
            }
        }
        Assert.InRange(moved, 600, 1200); // about 1/11 of the keys
    }

    [GeneratedRegex("""keys "0"\.\."(?<last>\d+)" over m=(?<m>\d+) give (counts )?(?<counts>[\d ]+?)(;|$)""")]
    private static partial Regex DistributionClause();

    [GeneratedRegex(@"over keys ""k0""\.\.""k(?<last>\d+)""")]
    private static partial Regex ChecksumRange();

    [GeneratedRegex("""m=(?<m>\d+) (?<sum>\d+)""")]
    private static partial Regex ChecksumClause();
}
