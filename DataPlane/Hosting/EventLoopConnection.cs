using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Threading.Tasks.Sources;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http.Features;

namespace Mnemo.DataPlane;

/// <summary>
/// A connection served by an <see cref="EventLoop"/>. The loop thread receives into the input pipe
/// and runs the handler inline (both pipes schedule inline); a flush of the output pipe sends what
/// the handler wrote with one call on the flushing thread. A handler that completes asynchronously
/// (a remote replica) keeps its continuation's thread, and the input pipe buffers what arrives
/// meanwhile. Only a full socket buffer makes the send wait for the loop to report the socket
/// writable; only a full input pipe makes the loop stop reading it.
/// </summary>
internal sealed class EventLoopConnection : ConnectionContext, IValueTaskSource
{
    // A receive fills the input pipe's current segment; a batch larger than it is read by the next receive at once.
    private const int MinimumReceive = 4096;
    private const int InputSegmentBytes = 16 * 1024;
    private const long OutputPauseBytes = 64 * 1024;

    private static long s_lastId;

    private readonly Socket _socket;
    private readonly EventLoop _loop;
    private readonly Pipe _input;
    private readonly Pipe _output;
    private readonly Lock _lock = new();
    private readonly CancellationTokenSource _closed = new();
    private readonly List<ArraySegment<byte>> _segments = [];
    private ManualResetValueTaskSourceCore<bool> _writable;
    private Task _sending = Task.CompletedTask;
    // Under _lock: what epoll watches, and the states that decide it.
    private uint _watched;
    private bool _registered;
    private bool _receiving;
    private bool _receiveDone;
    private bool _readPaused;
    private bool _waitingToSend;
    private bool _closing;
    private bool _socketClosed;

    public EventLoopConnection(Socket socket, EventLoop loop, long maxReadBufferBytes)
    {
        _socket = socket;
        _loop = loop;
        Id = (ulong)Interlocked.Increment(ref s_lastId);
        Fd = (int)socket.SafeHandle.DangerousGetHandle();
        ConnectionId = $"E{Id}";
        LocalEndPoint = socket.LocalEndPoint;
        RemoteEndPoint = socket.RemoteEndPoint;
        _input = new Pipe(new PipeOptions(readerScheduler: PipeScheduler.Inline, writerScheduler: PipeScheduler.Inline,
            pauseWriterThreshold: maxReadBufferBytes, resumeWriterThreshold: maxReadBufferBytes / 2, minimumSegmentSize: InputSegmentBytes,
            useSynchronizationContext: false));
        _output = new Pipe(new PipeOptions(readerScheduler: PipeScheduler.Inline, writerScheduler: PipeScheduler.Inline,
            pauseWriterThreshold: OutputPauseBytes, resumeWriterThreshold: OutputPauseBytes / 2, useSynchronizationContext: false));
        Transport = new DuplexPipe(_input.Reader, _output.Writer);
    }

    /// <summary>The connection's tag in its loop's epoll set.</summary>
    public ulong Id { get; }

    public int Fd { get; }

    public override string ConnectionId { get; set; }

    public override IFeatureCollection Features { get; } = new FeatureCollection();

    public override IDictionary<object, object?> Items { get; set; } = new Dictionary<object, object?>();

    public override IDuplexPipe Transport { get; set; }

    public override CancellationToken ConnectionClosed
    {
        get => _closed.Token;
        set => throw new NotSupportedException();
    }

    /// <summary>Starts sending and watching the socket; the connection is in its loop's table by then.</summary>
    public void Start()
    {
        _sending = SendLoopAsync();
        lock (_lock)
        {
            UpdateWatch();
        }
    }

    /// <summary>On the loop thread: the socket is readable, writable or failed.</summary>
    public void OnReady(uint events)
    {
        bool writable = false;
        lock (_lock)
        {
            if (_socketClosed)
                return;
            if (_waitingToSend && (events & (Epoll.Out | Epoll.Error | Epoll.HangUp)) != 0)
            {
                _waitingToSend = false;
                UpdateWatch();
                writable = true;
            }
        }
        // The send loop continues here, outside the lock.
        if (writable)
            _writable.SetResult(true);
        if ((events & (Epoll.In | Epoll.Error | Epoll.HangUp)) != 0)
            Receive();
    }

    private void Receive()
    {
        lock (_lock)
        {
            if (_socketClosed || _receiveDone || _readPaused || _closing)
                return;
            _receiving = true;
            try
            {
                PipeWriter writer = _input.Writer;
                while (true)
                {
                    Memory<byte> memory = writer.GetMemory(MinimumReceive);
                    int received = _socket.Receive(memory.Span, SocketFlags.None, out SocketError error);
                    if (error == SocketError.WouldBlock)
                        return;
                    if (error != SocketError.Success || received == 0)
                    {
                        CompleteReceive(error == SocketError.Success ? null : new ConnectionResetException($"receive failed: {error}"));
                        return;
                    }
                    writer.Advance(received);
                    // Runs the handler here, on this thread, over everything received so far.
                    ValueTask<FlushResult> flushing = writer.FlushAsync();
                    if (_closing)
                        return;
                    if (!flushing.IsCompletedSuccessfully)
                    {
                        _readPaused = true;
                        UpdateWatch();
                        _ = ResumeAfterFlushAsync(flushing);
                        return;
                    }
                    if (flushing.Result.IsCompleted)
                    {
                        CompleteReceive(null);
                        return;
                    }
                    // Less than the buffer: the socket is drained. The next receive waits for epoll, never for "would block".
                    if (received < memory.Length)
                        return;
                }
            }
            finally
            {
                _receiving = false;
                // The handler ended inline and its disposal waits for this receive to unwind (unless sending still waits).
                if (_closing && _sending.IsCompleted)
                    Close();
            }
        }
    }

    /// <summary>The handler fell a pipe's worth behind: read again once it caught up.</summary>
    private async Task ResumeAfterFlushAsync(ValueTask<FlushResult> flushing)
    {
        bool completed;
        try
        {
            completed = (await flushing).IsCompleted;
        }
        catch (Exception e) when (e is InvalidOperationException or OperationCanceledException)
        {
            completed = true;
        }
        lock (_lock)
        {
            _readPaused = false;
            if (completed)
                CompleteReceive(null);
            else
                UpdateWatch();
        }
    }

    /// <summary>Under the lock: no more input (the peer closed, failed, or the handler stopped reading).</summary>
    private void CompleteReceive(Exception? error)
    {
        if (_receiveDone)
            return;
        _receiveDone = true;
        UpdateWatch();
        _input.Writer.Complete(error);
    }

    /// <summary>Under the lock: watches the socket for what the connection waits for, and for nothing once it waits for nothing.</summary>
    private void UpdateWatch()
    {
        uint wanted = _socketClosed ? 0 : (_receiveDone || _readPaused || _closing ? 0 : Epoll.In) | (_waitingToSend ? Epoll.Out : 0);
        if (wanted == _watched)
            return;
        if (wanted != 0 || _registered)
            _loop.Watch(this, wanted, _registered);
        _registered = wanted != 0;
        _watched = wanted;
    }

    private async Task SendLoopAsync()
    {
        PipeReader output = _output.Reader;
        try
        {
            while (true)
            {
                ReadResult read = await output.ReadAsync();
                ReadOnlySequence<byte> buffer = read.Buffer;
                while (!buffer.IsEmpty)
                {
                    int sent = Send(buffer, out SocketError error);
                    buffer = buffer.Slice(sent);
                    if (error == SocketError.WouldBlock)
                    {
                        await WaitUntilWritable();
                    }
                    else if (error != SocketError.Success)
                    {
                        // The peer is gone: end the handler's reads too.
                        Abort(new ConnectionAbortedException($"send failed: {error}"));
                        return;
                    }
                }
                output.AdvanceTo(buffer.End);
                if (read.IsCompleted || read.IsCanceled)
                    return;
            }
        }
        catch (ObjectDisposedException)
        {
            // Aborted while waiting.
        }
        finally
        {
            await output.CompleteAsync();
        }
    }

    /// <summary>Sends as much of <paramref name="buffer"/> as the socket takes now, in one call.</summary>
    private int Send(in ReadOnlySequence<byte> buffer, out SocketError error)
    {
        if (buffer.IsSingleSegment)
            return _socket.Send(buffer.FirstSpan, SocketFlags.None, out error);
        _segments.Clear();
        foreach (ReadOnlyMemory<byte> memory in buffer)
        {
            if (!MemoryMarshal.TryGetArray(memory, out ArraySegment<byte> segment))
                throw new InvalidOperationException("pipe memory is not array-backed");
            _segments.Add(segment);
        }
        return _socket.Send(_segments, SocketFlags.None, out error);
    }

    private ValueTask WaitUntilWritable()
    {
        lock (_lock)
        {
            if (_socketClosed)
                throw new ObjectDisposedException(ConnectionId);
            _writable.Reset();
            _waitingToSend = true;
            UpdateWatch();
            return new ValueTask(this, _writable.Version);
        }
    }

    public override void Abort(ConnectionAbortedException abortReason)
    {
        lock (_lock)
        {
            if (_socketClosed)
                return;
            try
            {
                // Both directions end: the loop sees the hang-up, receives nothing more and completes the input.
                _socket.Shutdown(SocketShutdown.Both);
            }
            catch (SocketException)
            {
                // Already reset by the peer.
            }
            if (!_receiving)
                CompleteReceive(abortReason);
        }
        CancelClosed();
    }

    public override async ValueTask DisposeAsync()
    {
        lock (_lock)
        {
            _closing = true;
            UpdateWatch();
        }
        // The send loop sends what the handler left and ends.
        await _output.Writer.CompleteAsync();
        await _sending;
        lock (_lock)
        {
            if (!_receiving)
                Close();
        }
    }

    /// <summary>Under the lock, once, not inside a receive: leaves the loop and closes the socket.</summary>
    private void Close()
    {
        if (_socketClosed)
            return;
        if (_registered)
            _loop.Watch(this, 0, registered: true);
        _registered = false;
        _watched = 0;
        _socketClosed = true;
        _loop.Remove(this);
        if (!_receiveDone)
        {
            _receiveDone = true;
            _input.Writer.Complete();
        }
        _socket.Dispose();
        CancelClosed();
    }

    // Token callbacks run handler code: never under the lock or on the loop thread.
    private void CancelClosed() => ThreadPool.UnsafeQueueUserWorkItem(static closed => closed.Cancel(), _closed, preferLocal: false);

    void IValueTaskSource.GetResult(short token) => _writable.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource.GetStatus(short token) => _writable.GetStatus(token);

    void IValueTaskSource.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _writable.OnCompleted(continuation, state, token, flags);

    private sealed class DuplexPipe(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;
        public PipeWriter Output { get; } = output;
    }
}
