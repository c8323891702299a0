using Microsoft.Extensions.Configuration;

namespace Mnemo.Silo.Hosting;

/// <summary>Reads the silo's settings from <c>MNEMO_*</c> environment variables and the known
/// command-line switches (which win); an unknown switch is an error rather than silently ignored.</summary>
public static class SiloConfiguration
{
    public static SiloOptions Read(string[] args)
    {
        for (var i = 0; i < args.Length; i += 2)
        {
            var name = args[i].Split('=', 2)[0];
            if (!SiloOptions.Switches.ContainsKey(name))
                throw new ArgumentException($"unknown option '{args[i]}'; known: {string.Join(' ', SiloOptions.Switches.Keys)}");
            if (args[i].Contains('='))
                i--;
            else if (i + 1 >= args.Length)
                throw new ArgumentException($"option '{args[i]}' needs a value");
        }
        var configuration = new ConfigurationBuilder()
            .AddEnvironmentVariables(SiloOptions.EnvironmentPrefix)
            .AddCommandLine(args, SiloOptions.Switches.ToDictionary())
            .Build();
        return SiloOptions.FromConfiguration(configuration);
    }
}
