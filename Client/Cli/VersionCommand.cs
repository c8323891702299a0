using System.CommandLine;
using System.Reflection;
using System.Runtime.InteropServices;
using Spectre.Console;

namespace Mnemo.Cli;

/// <summary><c>mnemo version</c>: the CLI's version and the .NET runtime it runs on; needs no cluster.</summary>
internal static class VersionCommand
{
    public static Command Create(Option<OutputFormat> output)
    {
        var command = new Command("version", "The mnemo CLI's version and its .NET runtime");
        command.SetAction(parse =>
        {
            string version = typeof(VersionCommand).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
                ?? typeof(VersionCommand).Assembly.GetName().Version?.ToString() ?? "unknown";
            var row = new { version, runtime = RuntimeInformation.FrameworkDescription };
            if (!Output.TryWriteStructured(parse.GetValue(output), row))
                Tables.Write(new Table().AddColumns("VERSION", "RUNTIME").AddRow(Markup.Escape(row.version), Markup.Escape(row.runtime)));
            return ExitCodes.Ok;
        });
        return command;
    }
}
