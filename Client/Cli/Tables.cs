using Spectre.Console;

namespace Mnemo.Cli;

/// <summary>
/// Tables as plain text: rendered without ANSI codes at the console's width, so what a terminal shows is
/// what a pipe gets, and the lines under a table can be wrapped to its width.
/// </summary>
internal static class Tables
{
    /// <summary>Writes <paramref name="table"/> and returns the width of its widest line.</summary>
    public static int Write(Table table)
    {
        var text = new StringWriter();
        IAnsiConsole console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(text),
        });
        console.Profile.Width = AnsiConsole.Profile.Width;
        console.Write(table);
        string rendered = text.ToString();
        Console.Out.Write(rendered);
        return rendered.Split('\n').Max(line => line.TrimEnd('\r').Length);
    }

    /// <summary>Writes <paramref name="text"/> broken at spaces (or mid-word when a word is longer) into lines of at most <paramref name="width"/> characters.</summary>
    public static void WriteWrapped(string text, int width)
    {
        width = Math.Max(width, 20);
        string rest = text.ReplaceLineEndings(" ").Trim();
        while (rest.Length > width)
        {
            int cut = rest.LastIndexOf(' ', width);
            if (cut <= 0)
                cut = width;
            Console.Out.WriteLine(rest[..cut].TrimEnd());
            rest = rest[cut..].TrimStart();
        }
        if (rest.Length > 0)
            Console.Out.WriteLine(rest);
    }
}
