namespace Jiangwanli.Server.Hosting;

/// <summary>The local ports of the management listener (a handful; a linear scan beats hashing).</summary>
internal sealed class ManagementPorts
{
    private readonly int[] _ports;

    public ManagementPorts(IEnumerable<int> ports) => _ports = [.. ports.Distinct()];

    public bool Contains(int port)
    {
        foreach (var p in _ports)
        {
            if (p == port)
            {
                return true;
            }
        }

        return false;
    }
}
