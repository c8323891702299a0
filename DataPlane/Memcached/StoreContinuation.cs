using System.Runtime.CompilerServices;

namespace Mnemo.DataPlane;

/// <summary>
/// Continues a command with the store's answer. A local engine store has answered by the time its
/// call returns: the continuation then runs at once, on the stack, with no state machine and no
/// allocation (pass a <c>static</c> lambda and a value-type state). A store that answers later (a
/// replicated shard) gets the same continuation once its answer arrives.
/// </summary>
internal static class StoreContinuation
{
    public static ValueTask<ProcessResult> Then<TSession, TState>(this ValueTask<CacheResult> operation, TSession session, TState state,
        Func<TSession, CacheResult, TState, ValueTask<ProcessResult>> next) =>
        operation.IsCompletedSuccessfully ? next(session, operation.Result, state) : ThenAsync(operation, session, state, next);

    [AsyncMethodBuilder(typeof(PooledValueTaskMethodBuilder<>))]
    private static async ValueTask<ProcessResult> ThenAsync<TSession, TState>(ValueTask<CacheResult> operation, TSession session, TState state,
        Func<TSession, CacheResult, TState, ValueTask<ProcessResult>> next) =>
        await next(session, await operation, state);
}
