using System.Buffers;

namespace Mnemo.Silo.Gateways.Memcached;

/// <summary>One connection's protocol state machine: consumes complete commands from the input and
/// writes their replies.</summary>
internal interface IProtocolSession
{
    /// <summary>Consumes at most one command from the front of <paramref name="buffer"/>.</summary>
    ProcessResult Process(ref ReadOnlySequence<byte> buffer);
}
