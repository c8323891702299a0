namespace Mnemo.Kubernetes;
