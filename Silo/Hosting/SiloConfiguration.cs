using Microsoft.Extensions.Configuration;

namespace Mnemo.Silo;

/// <summary>Reads the silo's settings from <c>MNEMO_*</c> environment variables and the known
/// command-line switches (which win); an unknown switch is an error rather than silently ignored.</summary>
public static class SiloConfiguration
{
    public static SiloSettings Read(string[] args)
    {
        var switches = SiloSettings.Switches.ToDictionary(s => s.Switch, s => s.Key);
        for (var i = 0; i < args.Length; i += 2)
        {
            var name = args[i].Split('=', 2)[0];
            if (!switches.ContainsKey(name))
                throw new ArgumentException($"unknown option '{args[i]}' (mnemo-silo --help lists the options)");
            if (args[i].Contains('='))
                i--;
            else if (i + 1 >= args.Length)
                throw new ArgumentException($"option '{args[i]}' needs a value");
        }
        var configuration = new ConfigurationBuilder()
            .AddEnvironmentVariables(SiloSettings.EnvironmentPrefix)
            .AddCommandLine(args, switches)
            .Build();
        return SiloSettings.FromConfiguration(configuration, Environment.GetEnvironmentVariable);
    }

    /// <summary>The text of <c>mnemo-silo --help</c>.</summary>
    public static string Help()
    {
        var text = new System.Text.StringBuilder();
        text.AppendLine("mnemo-silo: one Mnemo silo (a node's memory pool, its grains, Memshack gateways and data plane)");
        text.AppendLine();
        text.AppendLine("usage: mnemo-silo [options]");
        text.AppendLine("       mnemo-silo dev-cluster [options]   (the local cluster; mnemo-silo dev-cluster --help)");
        text.AppendLine();
        text.AppendLine($"Every option is also an environment variable {SiloSettings.EnvironmentPrefix}<NAME>; the option wins.");
        int width = SiloSettings.Switches.Max(s => s.Switch.Length + s.Key.Length) + 6;
        foreach (var (name, key, help) in SiloSettings.Switches)
            text.AppendLine($"  {(name + "  " + SiloSettings.EnvironmentPrefix + key).PadRight(width + 4)}{help}");
        return text.ToString();
    }
}
