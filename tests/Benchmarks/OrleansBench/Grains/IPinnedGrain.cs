namespace Mnemo.OrleansBench;

/// <summary>A grain keyed "&lt;silo&gt;/&lt;role&gt;" and pinned to that silo; it can say where it really runs.</summary>
public interface IPinnedGrain : IGrainWithStringKey
{
    /// <summary>The hosting silo's <c>ILocalSiloDetails.Name</c>, to check the placement before timing anything.</summary>
    Task<string> SiloName();
}
