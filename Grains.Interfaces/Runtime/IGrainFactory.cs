namespace Mnemo.Runtime;

/// <summary>Creates references (proxies) to grains. Creating a reference does not activate the
/// grain or talk to any silo; the first call does.</summary>
public interface IGrainFactory
{
    TGrainInterface GetGrain<TGrainInterface>(string key) where TGrainInterface : IGrainWithStringKey;

    TGrainInterface GetGrain<TGrainInterface>(long key) where TGrainInterface : IGrainWithIntegerKey;

    TGrainInterface GetGrain<TGrainInterface>(Guid key) where TGrainInterface : IGrainWithGuidKey;
}
