namespace Mnemo.DataPlane;

/// <summary>What parsing the buffered input led to.</summary>
internal enum ProcessResult
{
    /// <summary>One command (or part of a swallowed block) was consumed; try the next.</summary>
    Progress,
    /// <summary>The next command is not complete yet.</summary>
    NeedMoreData,
    /// <summary>The connection must be closed (quit, or input memcached would refuse).</summary>
    Close,
}
