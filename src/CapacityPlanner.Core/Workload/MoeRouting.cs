namespace CapacityPlanner.Core.Workload;

/// <summary>
/// Where a token's routed experts sit (formula sheet §6.5): under balanced routing (load-balanced or force-balanced
/// router, every expert equally likely) the k experts of a token are k distinct experts drawn uniformly, from the chosen
/// groups where routing is group-limited.
/// </summary>
public static class MoeRouting
{
    /// <summary>
    /// Expected number of scale-up domains other than the sender's that hold at least one of a token's experts, with the
    /// experts spread evenly and contiguously over <paramref name="domains"/> domains (expert-parallel ranks in order).
    /// Unrestricted routing: a domain holding E/D of E experts is missed by all k draws with probability
    /// C(E − E/D, k) / C(E, k). Group-limited routing with whole groups per domain (G a multiple of D, G/D groups each):
    /// a domain is reached when one of its groups is among the M chosen, missed with probability C(G − G/D, M) / C(G, M)
    /// (each chosen group receives one of the token's experts: it was chosen for its top k/M scores). With groups that
    /// span several domains (D a multiple of G) a domain is reachable when its group is chosen (M/G) and then reached as
    /// under unrestricted routing among the chosen groups' M·E/G experts. By symmetry the sender's own domain is as likely
    /// as any other, so the remote count is (D − 1) times the chance of reaching one domain.
    /// </summary>
    public static double RemoteDomainsPerToken(MoeConfig moe, int domains)
    {
        ArgumentNullException.ThrowIfNull(moe);
        if (domains <= 1) return 0;
        double d = domains, e = moe.Experts, k = moe.ExpertsPerToken;
        double reach;
        if (moe.GroupLimited && moe.RoutingGroups % domains == 0)
        {
            reach = 1 - MissAll(moe.RoutingGroups, moe.RoutingGroups / d, moe.GroupsPerToken);
        }
        else if (moe.GroupLimited && domains % moe.RoutingGroups == 0)
        {
            var pool = (double)moe.GroupsPerToken * e / moe.RoutingGroups;
            reach = (double)moe.GroupsPerToken / moe.RoutingGroups * (1 - MissAll(pool, e / d, k));
        }
        else
        {
            reach = 1 - MissAll(e, e / d, k);
        }
        return (d - 1) * reach;
    }

    /// <summary>Chance that <paramref name="draws"/> distinct picks from <paramref name="population"/> all miss a block of
    /// <paramref name="block"/>: C(N − b, n) / C(N, n) as a product, for real-valued sizes.</summary>
    private static double MissAll(double population, double block, double draws)
    {
        var p = 1.0;
        for (var i = 0; i < draws; i++)
        {
            var left = population - block - i;
            if (left <= 0) return 0;
            p *= left / (population - i);
        }
        return p;
    }
}
