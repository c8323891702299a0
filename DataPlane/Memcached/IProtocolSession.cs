using System.Buffers;

namespace Mnemo.DataPlane;

/// <summary>One connection's protocol state machine: consumes complete commands from the input and
/// writes their replies.</summary>
internal interface IProtocolSession
{
    /// <summary>
    /// Consumes at most one command from the front of <paramref name="buffer"/> and writes its reply.
    /// Completes synchronously when the store does; otherwise the command's key and value are still
    /// read from <paramref name="buffer"/>, which must stay valid (not advanced past) until the task
    /// completes. Commands run one at a time, so replies keep the order of the requests.
    /// </summary>
    ValueTask<ProcessStep> ProcessAsync(ReadOnlySequence<byte> buffer);
}
