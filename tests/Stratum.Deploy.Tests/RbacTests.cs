using k8s.Models;
using Stratum.Deploy.Tests.Expectations;
using Stratum.Deploy.Tests.TestSupport;

namespace Stratum.Deploy.Tests;

/// <summary>
/// Each workload's service account holds exactly the permissions its containers need (the
/// tables), each sidecar's in a role of its own: nothing missing, nothing more, no wildcards.
/// </summary>
public sealed class RbacTests
{
    /// <summary>One verb on one resource, cluster-wide (Scope "*") or in a namespace.</summary>
    private sealed record Grant(string Scope, string ApiGroup, string Resource, string Verb)
    {
        public override string ToString() => $"{Verb} {(ApiGroup.Length == 0 ? "core" : ApiGroup)}/{Resource} in {Scope}";
    }

    [Theory]
    [MemberData(nameof(Tables.OverlayDirectories), MemberType = typeof(Tables))]
    public void ServiceAccounts_Overlay_HoldExactlyWhatTheirContainersNeed(string overlay)
    {
        var manifest = Manifest.Render(overlay);
        foreach (var account in Tables.Overlay(overlay).Workloads.GroupBy(w => (w.Namespace, w.ServiceAccount)))
        {
            var needed = account.SelectMany(w => w.Containers.SelectMany(c => Needs(c, w.Namespace))).ToHashSet();
            var granted = Granted(manifest, account.Key.Namespace, account.Key.ServiceAccount).ToHashSet();

            var missing = needed.Except(granted).Select(g => g.ToString()).Order(StringComparer.Ordinal).ToList();
            var extra = granted.Except(needed).Select(g => g.ToString()).Order(StringComparer.Ordinal).ToList();
            Assert.True(missing.Count == 0, $"{overlay}: {account.Key.ServiceAccount} lacks: {string.Join("; ", missing)}");
            Assert.True(extra.Count == 0, $"{overlay}: {account.Key.ServiceAccount} holds more than needed: {string.Join("; ", extra)}");
        }
    }

    [Theory]
    [MemberData(nameof(Tables.Containers), MemberType = typeof(Tables))]
    public void Container_Roles_HoldExactlyThatContainersPermissions(string overlay, string workloadName, string container)
    {
        var manifest = Manifest.Render(overlay);
        var (workload, expected, _, _) = Workloads.Container(manifest, overlay, workloadName, container);

        if (expected.ClusterRoleName is { } clusterRole)
        {
            var rules = manifest.Single<V1ClusterRole>(clusterRole).Rules;
            Assert.Equal(Expand("*", expected.ClusterPermissions).ToHashSet(), Expand("*", rules).ToHashSet());
        }
        else
        {
            Assert.Empty(expected.ClusterPermissions);
        }

        if (expected.RoleName is { } role)
        {
            var rules = manifest.Single<V1Role>(role, workload.Namespace).Rules;
            Assert.Equal(Expand(workload.Namespace, expected.NamespacePermissions).ToHashSet(), Expand(workload.Namespace, rules).ToHashSet());
        }
        else
        {
            Assert.Empty(expected.NamespacePermissions);
        }
    }

    [Theory]
    [MemberData(nameof(Tables.OverlayDirectories), MemberType = typeof(Tables))]
    public void Roles_Overlay_HaveNoWildcardsAndEveryBindingResolves(string overlay)
    {
        var manifest = Manifest.Render(overlay);
        var rules = manifest.All<V1ClusterRole>().SelectMany(r => r.Rules).Concat(manifest.All<V1Role>().SelectMany(r => r.Rules)).ToList();

        Assert.NotEmpty(rules);
        foreach (var rule in rules)
        {
            Assert.DoesNotContain("*", rule.Verbs);
            Assert.DoesNotContain("*", rule.Resources ?? []);
            Assert.DoesNotContain("*", rule.ApiGroups ?? []);
            Assert.Null(rule.NonResourceURLs);
        }

        foreach (var binding in manifest.All<V1ClusterRoleBinding>())
        {
            Assert.Equal("ClusterRole", binding.RoleRef.Kind);
            Assert.NotNull(manifest.Find<V1ClusterRole>(binding.RoleRef.Name));
            Assert.All(binding.Subjects, s => Assert.NotNull(manifest.Find<V1ServiceAccount>(s.Name, s.NamespaceProperty)));
        }

        foreach (var binding in manifest.All<V1RoleBinding>())
        {
            Assert.Equal("Role", binding.RoleRef.Kind);
            Assert.NotNull(manifest.Find<V1Role>(binding.RoleRef.Name, binding.Metadata.NamespaceProperty));
            Assert.All(binding.Subjects, s => Assert.NotNull(manifest.Find<V1ServiceAccount>(s.Name, s.NamespaceProperty)));
        }

        // Every role is bound: an unbound role is dead text that drifts.
        Assert.All(manifest.All<V1ClusterRole>(), r => Assert.Contains(manifest.All<V1ClusterRoleBinding>(), b => b.RoleRef.Name == r.Metadata.Name));
        Assert.All(manifest.All<V1Role>(), r => Assert.Contains(manifest.All<V1RoleBinding>(), b => b.RoleRef.Name == r.Metadata.Name));
    }

    private static IEnumerable<Grant> Needs(ContainerExpectation container, string @namespace) =>
        Expand("*", container.ClusterPermissions).Concat(Expand(@namespace, container.NamespacePermissions));

    private static IEnumerable<Grant> Granted(Manifest manifest, string @namespace, string account)
    {
        bool Binds(IEnumerable<Rbacv1Subject>? subjects) =>
            (subjects ?? []).Any(s => s.Kind == "ServiceAccount" && s.Name == account && s.NamespaceProperty == @namespace);

        foreach (var binding in manifest.All<V1ClusterRoleBinding>().Where(b => Binds(b.Subjects)))
        {
            foreach (var grant in Expand("*", manifest.Single<V1ClusterRole>(binding.RoleRef.Name).Rules))
            {
                yield return grant;
            }
        }

        foreach (var binding in manifest.All<V1RoleBinding>().Where(b => Binds(b.Subjects)))
        {
            var scope = binding.Metadata.NamespaceProperty;
            foreach (var grant in Expand(scope, manifest.Single<V1Role>(binding.RoleRef.Name, scope).Rules))
            {
                yield return grant;
            }
        }
    }

    private static IEnumerable<Grant> Expand(string scope, IEnumerable<V1PolicyRule> rules) =>
        from rule in rules
        from apiGroup in rule.ApiGroups ?? []
        from resource in rule.Resources ?? []
        from verb in rule.Verbs
        select new Grant(scope, apiGroup, resource, verb);

    private static IEnumerable<Grant> Expand(string scope, IEnumerable<Permission> permissions) =>
        from permission in permissions
        from verb in permission.Verbs
        select new Grant(scope, permission.ApiGroup, permission.Resource, verb);
}
