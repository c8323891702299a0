namespace Mnemo.Runtime;

/// <summary>Marker for grain interfaces. A grain interface extends exactly one of the key kinds
/// below, which fixes how its key is written in a <see cref="GrainId"/>.</summary>
public interface IGrain;

/// <summary>A grain addressed by a string key (written as is).</summary>
public interface IGrainWithStringKey : IGrain;

/// <summary>A grain addressed by a 64-bit integer key (written in invariant decimal).</summary>
public interface IGrainWithIntegerKey : IGrain;

/// <summary>A grain addressed by a Guid key (written in the 36-character "D" form, lower case).</summary>
public interface IGrainWithGuidKey : IGrain;
