namespace Mnemo.Memshack.Tests;

/// <summary>The <c>STAT name value</c> lines of a stats reply, in order.</summary>
public static class StatLines
{
    public static List<(string Name, string Value)> Parse(string reply)
    {
        Assert.EndsWith("END\r\n", reply);
        var lines = new List<(string, string)>();
        foreach (string line in reply.Split("\r\n", StringSplitOptions.RemoveEmptyEntries))
        {
            if (line == "END")
            {
                continue;
            }
            Assert.StartsWith("STAT ", line);
            string[] parts = line.Split(' ', 3);
            Assert.True(parts.Length == 3, $"not a STAT line: '{line}'");
            lines.Add((parts[1], parts[2]));
        }
        return lines;
    }

    public static Dictionary<string, string> ToDictionary(string reply) => Parse(reply).ToDictionary(l => l.Name, l => l.Value);
}
