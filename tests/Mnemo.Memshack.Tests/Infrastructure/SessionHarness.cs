using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using Mnemo.DataPlane;

namespace Mnemo.Memshack.Tests;

/// <summary>
/// Drives one protocol session without sockets: input arrives in the chunks a test chooses (each
/// chunk its own buffer segment, as network reads would leave it), replies are collected from the
/// output pipe.
/// </summary>
internal sealed class SessionHarness : IDisposable
{
    private readonly Pipe _output = new();
    private readonly List<byte[]> _pending = [];
    private readonly IProtocolSession _session;

    public SessionHarness(IAsyncCacheStore store, bool binary = false)
    {
        var writer = new ResponseWriter(_output.Writer);
        var stats = new GatewayStats();
        ConnectionCounters counters = stats.TryOpenConnection(maxConnections: 1)!;
        var options = new MemcachedGatewayOptions();
        _session = binary ? new BinarySession(store, writer, stats, counters, options) : new AsciiSession(store, writer, stats, counters, options);
    }

    public bool Closed { get; private set; }

    /// <summary>Buffered input not consumed yet (an incomplete command).</summary>
    public int PendingBytes => _pending.Sum(c => c.Length);

    public string Feed(params string[] chunks) => Encoding.Latin1.GetString(Feed(chunks.Select(Encoding.Latin1.GetBytes).ToArray()));

    public byte[] Feed(params byte[][] chunks)
    {
        foreach (byte[] chunk in chunks)
        {
            _pending.Add(chunk);
            // On the thread pool, as under Kestrel: a command waiting for the store then resumes there
            // instead of queueing behind the test thread's synchronization context, which is blocked here.
            Task.Run(ProcessPending).GetAwaiter().GetResult();
        }
        return TakeOutput();
    }

    private void ProcessPending()
    {
        ReadOnlySequence<byte> buffer = Segments.Build(_pending);
        long before = buffer.Length;
        while (!buffer.IsEmpty)
        {
            ValueTask<ProcessStep> pending = _session.ProcessAsync(buffer);
            // A store that completes later is waited for, as the connection handler awaits it.
            ProcessStep step = pending.IsCompletedSuccessfully ? pending.Result : pending.AsTask().GetAwaiter().GetResult();
            buffer = buffer.Slice(step.Consumed);
            if (step.Result == ProcessResult.Close)
            {
                Closed = true;
            }
            if (step.Result != ProcessResult.Progress)
            {
                break;
            }
        }
        Consume(before - buffer.Length);
    }

    private void Consume(long count)
    {
        while (count > 0)
        {
            byte[] first = _pending[0];
            if (first.Length <= count)
            {
                _pending.RemoveAt(0);
                count -= first.Length;
            }
            else
            {
                _pending[0] = first[(int)count..];
                count = 0;
            }
        }
    }

    private byte[] TakeOutput()
    {
        _output.Writer.FlushAsync().AsTask().GetAwaiter().GetResult();
        if (!_output.Reader.TryRead(out ReadResult read))
        {
            return [];
        }
        byte[] bytes = read.Buffer.ToArray();
        _output.Reader.AdvanceTo(read.Buffer.End);
        return bytes;
    }

    public void Dispose()
    {
        _output.Writer.Complete();
        _output.Reader.Complete();
    }

    private sealed class Segments : ReadOnlySequenceSegment<byte>
    {
        private Segments(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public static ReadOnlySequence<byte> Build(IReadOnlyList<byte[]> chunks)
        {
            if (chunks.Count == 0)
            {
                return ReadOnlySequence<byte>.Empty;
            }
            var first = new Segments(chunks[0], 0);
            Segments last = first;
            for (int i = 1; i < chunks.Count; i++)
            {
                var next = new Segments(chunks[i], last.RunningIndex + last.Memory.Length);
                last.Next = next;
                last = next;
            }
            return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
        }
    }
}
