namespace Mnemo.NativeEngine;

/// <summary>A failed engine call, with the engine's status and its own description of the failure.</summary>
public sealed class EngineException : Exception
{
    public EngineException(string operation, EngineStatus status, string? engineMessage)
        : base(Describe(operation, status, engineMessage))
    {
        Operation = operation;
        Status = status;
        EngineMessage = engineMessage;
    }

    /// <summary>The C function that failed, e.g. <c>mnemo_pool_open</c>.</summary>
    public string Operation { get; }

    public EngineStatus Status { get; }

    /// <summary>What <c>mnemo_last_error</c> said right after the call; null when it said nothing.</summary>
    public string? EngineMessage { get; }

    private static string Describe(string operation, EngineStatus status, string? engineMessage) =>
        string.IsNullOrEmpty(engineMessage)
            ? $"{operation} failed with {status}"
            : $"{operation} failed with {status}: {engineMessage}";
}
