namespace Mnemo.OrleansBench;

/// <summary>
/// "label: done/total" on stderr, redrawn a few times a second, only on a terminal: captured output
/// (scripts/run-bench.sh tees stdout and stderr) stays `key value unit` lines.
/// </summary>
internal sealed class Progress : IDisposable
{
    private readonly string _label;
    private readonly long _total;
    private readonly Func<long> _done;
    private readonly Timer? _timer;

    private Progress(string label, long total, Func<long> done)
    {
        _label = label;
        _total = total;
        _done = done;
        if (!Console.IsErrorRedirected)
        {
            _timer = new Timer(_ => Draw(), null, TimeSpan.FromMilliseconds(250), TimeSpan.FromMilliseconds(250));
        }
    }

    public static Progress Start(string label, long total, Func<long> done) => new(label, total, done);

    public void Dispose()
    {
        if (_timer is null)
        {
            return;
        }
        _timer.Dispose();
        lock (_timer)
        {
            Console.Error.Write($"\r{new string(' ', _label.Length + 32)}\r");
        }
    }

    private void Draw()
    {
        lock (_timer!)
        {
            Console.Error.Write($"\r  {_label}: {Math.Min(_done(), _total)}/{_total}");
        }
    }
}
