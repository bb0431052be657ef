package io.koordinator.manifests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhook;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfiguration;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.RuleWithOperations;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ServiceReference;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.fabric8.zjsonpatch.JsonPatch;
import io.koordinator.inject.AdmissionHandler;
import io.koordinator.inject.AdmissionResult;
import io.koordinator.inject.InjectConfigKeys;
import io.koordinator.inject.InjectorConfig;
import io.koordinator.inject.InjectorConfigLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Renders {@code manifests/} with kubectl's kustomize and checks that the parts fit together: every Service
 * and PodDisruptionBudget selects a workload, the webhook reaches the injector, RBAC grants what the injector
 * calls and nothing else, the example namespace is injected.
 */
class ManifestsTest {

    private static final String SYSTEM_NAMESPACE = "koordinator-system";
    private static final String EXAMPLE_NAMESPACE = "koordinator-example";
    private static final String INJECTOR = "koordinator-injector";

    private static RenderedManifests manifests;

    @BeforeAll
    static void render() throws Exception {
        assumeTrue(
                onPath("kubectl"),
                "SKIPPED LOUDLY: kubectl is not on PATH, so manifests/ cannot be rendered and checked");
        Path dir = Path.of("..", "manifests").toAbsolutePath().normalize();
        assertThat(dir.resolve("kustomization.yaml")).exists();
        manifests = RenderedManifests.render(dir);
    }

    @Test
    void rendersEveryPart() {
        assertThat(manifests.objects)
                .extracting(o -> o.getKind() + " " + name(o))
                .contains(
                        "Namespace /koordinator-system",
                        "Namespace /koordinator-example",
                        "StatefulSet koordinator-system/zookeeper",
                        "Service koordinator-system/zookeeper",
                        "Service koordinator-system/zookeeper-headless",
                        "PodDisruptionBudget koordinator-system/zookeeper",
                        "Deployment koordinator-system/koordinator-injector",
                        "Service koordinator-system/koordinator-injector",
                        "ServiceAccount koordinator-system/koordinator-injector",
                        "ConfigMap koordinator-system/koordinator-injector",
                        "PodDisruptionBudget koordinator-system/koordinator-injector",
                        "ClusterRole /koordinator-injector",
                        "ClusterRoleBinding /koordinator-injector",
                        "MutatingWebhookConfiguration /koordinator-injector",
                        "Deployment koordinator-example/kv",
                        "Service koordinator-example/kv");
        assertThat(manifests.objects)
                .as("every namespaced object lives in a namespace the manifests create")
                .filteredOn(o -> o.getMetadata().getNamespace() != null)
                .allSatisfy(o ->
                        manifests.get(Namespace.class, null, o.getMetadata().getNamespace()));
    }

    @Test
    void everyServiceSelectsAWorkloadAndItsTargetPort() {
        for (Service service : manifests.all(Service.class)) {
            PodTemplateSpec template = templateSelectedBy(
                    service.getMetadata().getNamespace(), service.getSpec().getSelector());
            for (ServicePort port : service.getSpec().getPorts()) {
                assertThat(containerPort(template, port.getTargetPort()))
                        .as("Service %s port %s targets a container port", name(service), port.getName())
                        .isPositive();
            }
        }
    }

    @Test
    void everyDisruptionBudgetSelectsAWorkload() {
        for (PodDisruptionBudget pdb : manifests.all(PodDisruptionBudget.class)) {
            LabelSelector selector = pdb.getSpec().getSelector();
            assertThat(selector.getMatchExpressions()).isNullOrEmpty();
            templateSelectedBy(pdb.getMetadata().getNamespace(), selector.getMatchLabels());
            assertThat(pdb.getSpec().getMaxUnavailable()).isEqualTo(new IntOrString(1));
        }
    }

    @Test
    void zookeeperIsAThreeServerEnsembleOnItsHeadlessService() {
        StatefulSet zk = manifests.get(StatefulSet.class, SYSTEM_NAMESPACE, "zookeeper");
        int replicas = zk.getSpec().getReplicas();
        assertThat(replicas).isEqualTo(3);
        Service headless =
                manifests.get(Service.class, SYSTEM_NAMESPACE, zk.getSpec().getServiceName());
        assertThat(headless.getSpec().getClusterIP()).isEqualTo("None");
        assertThat(headless.getSpec().getPublishNotReadyAddresses()).isTrue();
        assertThat(headless.getSpec().getSelector())
                .isEqualTo(zk.getSpec().getSelector().getMatchLabels());

        Container server = zk.getSpec().getTemplate().getSpec().getContainers().get(0);
        assertThat(server.getImage()).startsWith("zookeeper:3.9");
        List<String> expected = IntStream.range(0, replicas)
                .mapToObj(i -> "server." + (i + 1) + "=zookeeper-" + i + "."
                        + headless.getMetadata().getName() + ":2888:3888;2181")
                .toList();
        assertThat(env(server, "ZOO_SERVERS").split("\\s+")).containsExactlyElementsOf(expected);
        assertThat(String.join(" ", server.getCommand()))
                .as("ZOO_MY_ID is the pod ordinal plus one")
                .contains("ZOO_MY_ID=$(( ${HOSTNAME##*-} + 1 ))");
    }

    @Test
    void webhookCallsTheInjectorServiceOnItsMutatePath() {
        MutatingWebhookConfiguration config = manifests.get(MutatingWebhookConfiguration.class, null, INJECTOR);
        assertThat(config.getWebhooks()).hasSize(1);
        MutatingWebhook webhook = config.getWebhooks().get(0);
        ServiceReference ref = webhook.getClientConfig().getService();

        // the Service it names exists and maps the webhook's port to the injector's container port
        Service service = manifests.get(Service.class, ref.getNamespace(), ref.getName());
        ServicePort port = service.getSpec().getPorts().stream()
                .filter(p -> p.getPort().equals(ref.getPort()))
                .findFirst()
                .orElseThrow(() -> new AssertionError("Service " + name(service) + " has no port " + ref.getPort()));
        assertThat(ref.getPort()).isEqualTo(443);
        assertThat(ref.getPath()).isEqualTo(InjectConfigKeys.MUTATE_PATH);
        Deployment injector = manifests.get(Deployment.class, SYSTEM_NAMESPACE, INJECTOR);
        assertThat(injector.getSpec().getReplicas()).isEqualTo(2);
        assertThat(templateSelectedBy(SYSTEM_NAMESPACE, service.getSpec().getSelector()))
                .isEqualTo(injector.getSpec().getTemplate());
        Container container =
                injector.getSpec().getTemplate().getSpec().getContainers().get(0);
        assertThat(containerPort(injector.getSpec().getTemplate(), port.getTargetPort()))
                .isEqualTo(InjectConfigKeys.PORT_DEFAULT)
                .isEqualTo(Integer.parseInt(argAfter(container, "--port")));
        assertThat(container.getArgs().get(0)).isEqualTo("inject");
        assertThat(container.getReadinessProbe().getHttpGet().getScheme()).isEqualTo("HTTPS");
        assertThat(container.getReadinessProbe().getHttpGet().getPath()).isEqualTo(InjectConfigKeys.HEALTHZ_PATH);
        assertThat(argAfter(container, "--patch-webhook"))
                .isEqualTo(config.getMetadata().getName());
    }

    @Test
    void webhookSelectsLabelledNamespacesAndPodCreationOnly() {
        MutatingWebhook webhook = manifests
                .get(MutatingWebhookConfiguration.class, null, INJECTOR)
                .getWebhooks()
                .get(0);

        assertThat(webhook.getFailurePolicy()).isEqualTo("Fail");
        assertThat(webhook.getSideEffects()).isEqualTo("None");
        assertThat(webhook.getAdmissionReviewVersions()).containsExactly("v1");
        assertThat(webhook.getReinvocationPolicy()).isEqualTo("IfNeeded");
        assertThat(webhook.getTimeoutSeconds()).isEqualTo(5);
        assertThat(webhook.getRules()).singleElement().satisfies((RuleWithOperations rule) -> {
            assertThat(rule.getOperations()).containsExactly("CREATE");
            assertThat(rule.getApiGroups()).containsExactly("");
            assertThat(rule.getResources()).containsExactly("pods");
        });
        assertThat(webhook.getNamespaceSelector().getMatchLabels())
                .containsExactly(Map.entry("koordinator.io/inject", "enabled"));
        assertThat(webhook.getNamespaceSelector().getMatchExpressions())
                .containsExactly(new LabelSelectorRequirement(
                        "kubernetes.io/metadata.name", "NotIn", List.of("kube-system", SYSTEM_NAMESPACE)));
        assertThat(webhook.getObjectSelector().getMatchExpressions())
                .containsExactly(
                        new LabelSelectorRequirement(InjectConfigKeys.INJECT_LABEL, "NotIn", List.of("false")));
        assertThat(webhook.getClientConfig().getCaBundle())
                .as("the injector patches its CA in at start-up")
                .isNull();
    }

    @Test
    void rbacGrantsExactlyGetAndPatchOfTheOneWebhookObjectAndGetOfNamespaces() {
        Deployment injector = manifests.get(Deployment.class, SYSTEM_NAMESPACE, INJECTOR);
        String account = injector.getSpec().getTemplate().getSpec().getServiceAccountName();
        manifests.get(io.fabric8.kubernetes.api.model.ServiceAccount.class, SYSTEM_NAMESPACE, account);

        List<PolicyRule> granted = new ArrayList<>();
        for (ClusterRoleBinding binding : manifests.all(ClusterRoleBinding.class)) {
            boolean ours = binding.getSubjects().stream()
                    .anyMatch(s -> s.getKind().equals("ServiceAccount")
                            && s.getName().equals(account)
                            && SYSTEM_NAMESPACE.equals(s.getNamespace()));
            if (ours) {
                assertThat(binding.getRoleRef().getKind()).isEqualTo("ClusterRole");
                granted.addAll(manifests
                        .get(ClusterRole.class, null, binding.getRoleRef().getName())
                        .getRules());
            }
        }
        assertThat(manifests.all(RoleBinding.class)).as("no namespaced grants").isEmpty();
        assertThat(manifests.all(Role.class)).isEmpty();

        assertThat(granted).hasSize(2);
        assertThat(granted.get(0)).satisfies(rule -> {
            assertThat(rule.getApiGroups()).containsExactly("admissionregistration.k8s.io");
            assertThat(rule.getResources()).containsExactly("mutatingwebhookconfigurations");
            assertThat(rule.getResourceNames()).containsExactly(INJECTOR);
            assertThat(rule.getVerbs()).containsExactlyInAnyOrder("get", "patch");
            assertThat(rule.getNonResourceURLs()).isNullOrEmpty();
        });
        // The Pod Security check reads the namespace of each admitted pod: get, nothing more.
        assertThat(granted.get(1)).satisfies(rule -> {
            assertThat(rule.getApiGroups()).containsExactly("");
            assertThat(rule.getResources()).containsExactly("namespaces");
            assertThat(rule.getResourceNames()).isNullOrEmpty();
            assertThat(rule.getVerbs()).containsExactly("get");
        });
    }

    @Test
    void injectorConfigIsMountedWhereItsFlagPointsAndNamesRealParts() {
        Deployment injector = manifests.get(Deployment.class, SYSTEM_NAMESPACE, INJECTOR);
        Container container =
                injector.getSpec().getTemplate().getSpec().getContainers().get(0);
        Path configFile = Path.of(argAfter(container, "--config"));

        VolumeMount mount = container.getVolumeMounts().stream()
                .filter(m -> configFile.getParent().toString().equals(m.getMountPath()))
                .findFirst()
                .orElseThrow(() -> new AssertionError("nothing mounted at " + configFile.getParent()));
        Volume volume = injector.getSpec().getTemplate().getSpec().getVolumes().stream()
                .filter(v -> v.getName().equals(mount.getName()))
                .findFirst()
                .orElseThrow();
        ConfigMap configMap = manifests.get(
                ConfigMap.class, SYSTEM_NAMESPACE, volume.getConfigMap().getName());
        String text = configMap.getData().get(configFile.getFileName().toString());
        assertThat(text).as("ConfigMap key %s", configFile.getFileName()).isNotBlank();

        // the injector itself accepts it (unknown fields and bad values fail here)
        InjectorConfig config = InjectorConfigLoader.parse(text);
        assertThat(config.image()).as("sidecars run the injector's own build").isEqualTo(container.getImage());
        assertThat(config.nativeSidecars()).isTrue();
        // zookeeper: <service>.<namespace>.svc:<port> names the ensemble's client Service
        String[] hostPort = config.zookeeper().split(":");
        String[] host = hostPort[0].split("\\.");
        Service zk = manifests.get(Service.class, host[1], host[0]);
        assertThat(zk.getSpec().getPorts()).extracting(ServicePort::getPort).contains(Integer.parseInt(hostPort[1]));
    }

    @Test
    void injectorCertificateComesFromAnOptionalSecret() {
        Deployment injector = manifests.get(Deployment.class, SYSTEM_NAMESPACE, INJECTOR);
        Container container =
                injector.getSpec().getTemplate().getSpec().getContainers().get(0);

        for (String flag : List.of("--tls-cert", "--tls-key")) {
            Path file = Path.of(argAfter(container, flag));
            VolumeMount mount = container.getVolumeMounts().stream()
                    .filter(m -> file.getParent().toString().equals(m.getMountPath()))
                    .findFirst()
                    .orElseThrow(() -> new AssertionError(flag + ": nothing mounted at " + file.getParent()));
            Volume volume = injector.getSpec().getTemplate().getSpec().getVolumes().stream()
                    .filter(v -> v.getName().equals(mount.getName()))
                    .findFirst()
                    .orElseThrow();
            assertThat(volume.getSecret()).as("%s comes from a Secret", flag).isNotNull();
            assertThat(volume.getSecret().getOptional())
                    .as("without the Secret the injector generates its own CA")
                    .isTrue();
        }
    }

    @Test
    void exampleAppIsInAnInjectedNamespaceBehindPort80() {
        Deployment kv = manifests.get(Deployment.class, EXAMPLE_NAMESPACE, "kv");
        Namespace namespace =
                manifests.get(Namespace.class, null, kv.getMetadata().getNamespace());
        assertThat(namespace.getMetadata().getLabels()).containsEntry("koordinator.io/inject", "enabled");
        assertThat(kv.getSpec().getReplicas()).isEqualTo(3);
        assertThat(kv.getSpec().getTemplate().getMetadata().getLabels()).doesNotContainKey("koordinator.io/inject");

        Service service = manifests.get(Service.class, EXAMPLE_NAMESPACE, "kv");
        assertThat(templateSelectedBy(EXAMPLE_NAMESPACE, service.getSpec().getSelector()))
                .isEqualTo(kv.getSpec().getTemplate());
        ServicePort port = service.getSpec().getPorts().get(0);
        assertThat(port.getPort()).isEqualTo(80);
        int appPort = containerPort(kv.getSpec().getTemplate(), port.getTargetPort());
        assertThat(appPort).isEqualTo(8080);
        assertThat(kv.getSpec().getTemplate().getMetadata().getAnnotations())
                .containsEntry("koordinator.io/app-port", Integer.toString(appPort));
        Container app = kv.getSpec().getTemplate().getSpec().getContainers().get(0);
        assertThat(app.getCommand()).containsExactly("java", "-jar", "/opt/koordinator/koordinator-loadtest.jar");
        assertThat(app.getArgs()).startsWith("kv-app").contains("--port", "8080");
    }

    @Test
    void injectorAcceptsTheExamplePodWithTheConfigMapDefaults() {
        // given: the injector configured from the ConfigMap, and a pod of the kv Deployment as the API sends it
        ConfigMap configMap = manifests.get(ConfigMap.class, SYSTEM_NAMESPACE, INJECTOR);
        InjectorConfig config = InjectorConfigLoader.parse(configMap.getData().get("config.yaml"));
        PodTemplateSpec template = manifests
                .get(Deployment.class, EXAMPLE_NAMESPACE, "kv")
                .getSpec()
                .getTemplate();
        Pod pod = new PodBuilder()
                .withNewMetadataLike(template.getMetadata())
                .withNamespace(EXAMPLE_NAMESPACE)
                .withGenerateName("kv-")
                .endMetadata()
                .withSpec(template.getSpec())
                .build();
        KubernetesSerialization serialization = new KubernetesSerialization();
        Map<String, Object> review = Map.of(
                "apiVersion", "admission.k8s.io/v1",
                "kind", "AdmissionReview",
                "request",
                        Map.of(
                                "uid",
                                "manifests-test",
                                "kind",
                                Map.of("group", "", "version", "v1", "kind", "Pod"),
                                "resource",
                                Map.of("group", "", "version", "v1", "resource", "pods"),
                                "namespace",
                                EXAMPLE_NAMESPACE,
                                "operation",
                                "CREATE",
                                "object",
                                pod));

        // when
        AdmissionResult result = new AdmissionHandler(config, "test")
                .handle(serialization.asJson(review).getBytes(StandardCharsets.UTF_8));

        // then: injected, capturing the app port, with the example's pass-through paths and the probe rewritten
        assertThat(result.outcome()).as(result.detail()).isEqualTo(AdmissionResult.Outcome.INJECTED);
        JsonNode response =
                serialization.unmarshal(result.bodyText(), JsonNode.class).get("response");
        JsonNode patch = serialization.unmarshal(
                new String(Base64.getDecoder().decode(response.get("patch").asString()), StandardCharsets.UTF_8),
                JsonNode.class);
        JsonNode patched = JsonPatch.apply(patch, serialization.convertValue(pod, JsonNode.class));
        Pod injected = serialization.convertValue(patched, Pod.class);
        Container init = injected.getSpec().getInitContainers().stream()
                .filter(c -> c.getName().equals(InjectConfigKeys.INIT_CONTAINER_NAME))
                .findFirst()
                .orElseThrow();
        assertThat(init.getImage()).isEqualTo(config.image());
        assertThat(argAfter(init, "--capture-ports")).isEqualTo("8080");
        assertThat(argAfter(init, "--exclude-ports")).contains(Integer.toString(InjectConfigKeys.ADMIN_PORT));
        Container proxy = injected.getSpec().getInitContainers().stream()
                .filter(c -> c.getName().equals(InjectConfigKeys.PROXY_CONTAINER_NAME))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no native sidecar proxy in " + patched));
        assertThat(List.of(env(proxy, InjectConfigKeys.ENV_PASS_THROUGH).split(",")))
                .containsExactly("/digest");
        // The probe now calls the proxy's admin port, which probes the app itself.
        Container app = injected.getSpec().getContainers().get(0);
        assertThat(app.getReadinessProbe().getHttpGet().getPort().getIntVal()).isEqualTo(InjectConfigKeys.ADMIN_PORT);
        assertThat(env(proxy, InjectConfigKeys.ENV_APP_PROBERS)).contains("\"path\":\"/healthz\"", "\"port\":8080");
        assertThat(env(proxy, InjectConfigKeys.ENV_ZOOKEEPER)).isEqualTo(config.zookeeper());
        // The memory-only kv app: the proxy's checkpoint on the emptyDir the injector adds.
        assertThat(env(proxy, InjectConfigKeys.ENV_STATE_DIR)).isEqualTo(InjectConfigKeys.STATE_MOUNT_PATH);
        assertThat(injected.getSpec().getVolumes())
                .extracting(Volume::getName)
                .contains(InjectConfigKeys.STATE_VOLUME_NAME);
    }

    @Test
    void systemPodsAreNeverInjected() {
        for (String workload : List.of(INJECTOR, "zookeeper")) {
            PodTemplateSpec template = manifests
                    .find(Deployment.class, SYSTEM_NAMESPACE, workload)
                    .map(d -> d.getSpec().getTemplate())
                    .orElseGet(() -> manifests
                            .get(StatefulSet.class, SYSTEM_NAMESPACE, workload)
                            .getSpec()
                            .getTemplate());
            assertThat(template.getMetadata().getLabels()).containsEntry("koordinator.io/inject", "false");
        }
        assertThat(manifests
                        .get(Namespace.class, null, SYSTEM_NAMESPACE)
                        .getMetadata()
                        .getLabels())
                .doesNotContainKey("koordinator.io/inject");
    }

    // ---- helpers ------------------------------------------------------------------------------------------

    /** The one pod template in {@code namespace} whose labels include {@code selector}. */
    private static PodTemplateSpec templateSelectedBy(String namespace, Map<String, String> selector) {
        assertThat(selector).as("selector in %s", namespace).isNotEmpty();
        List<PodTemplateSpec> templates = new ArrayList<>();
        for (Deployment d : manifests.all(Deployment.class)) {
            if (namespace.equals(d.getMetadata().getNamespace())) {
                templates.add(d.getSpec().getTemplate());
                assertThat(d.getSpec().getTemplate().getMetadata().getLabels())
                        .containsAllEntriesOf(d.getSpec().getSelector().getMatchLabels());
            }
        }
        for (StatefulSet s : manifests.all(StatefulSet.class)) {
            if (namespace.equals(s.getMetadata().getNamespace())) {
                templates.add(s.getSpec().getTemplate());
                assertThat(s.getSpec().getTemplate().getMetadata().getLabels())
                        .containsAllEntriesOf(s.getSpec().getSelector().getMatchLabels());
            }
        }
        List<PodTemplateSpec> selected = templates.stream()
                .filter(t -> t.getMetadata().getLabels().entrySet().containsAll(selector.entrySet()))
                .toList();
        assertThat(selected)
                .as("pod templates in %s selected by %s", namespace, selector)
                .hasSize(1);
        return selected.get(0);
    }

    /** The container port a Service targetPort (number or name) resolves to, or 0. */
    private static int containerPort(PodTemplateSpec template, IntOrString target) {
        for (Container c : template.getSpec().getContainers()) {
            for (ContainerPort p : c.getPorts()) {
                boolean match = target.getIntVal() != null
                        ? target.getIntVal().equals(p.getContainerPort())
                        : target.getStrVal().equals(p.getName());
                if (match) {
                    return p.getContainerPort();
                }
            }
        }
        return 0;
    }

    private static String argAfter(Container container, String flag) {
        List<String> args = container.getArgs();
        int i = args.indexOf(flag);
        assertThat(i).as("%s in %s", flag, args).isNotNegative().isLessThan(args.size() - 1);
        return args.get(i + 1);
    }

    private static String env(Container container, String name) {
        return container.getEnv().stream()
                .filter(e -> e.getName().equals(name))
                .map(EnvVar::getValue)
                .findFirst()
                .orElseThrow(() -> new AssertionError(container.getName() + " has no env " + name));
    }

    private static String name(HasMetadata o) {
        String ns = o.getMetadata().getNamespace();
        return (ns == null ? "" : ns) + "/" + o.getMetadata().getName();
    }

    private static boolean onPath(String binary) {
        String path = System.getenv("PATH");
        return path != null
                && List.of(path.split(java.io.File.pathSeparator)).stream()
                        .anyMatch(dir -> Files.isExecutable(Path.of(dir, binary)));
    }
}
