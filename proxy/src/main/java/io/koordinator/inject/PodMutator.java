package io.koordinator.inject;

import static io.koordinator.inject.InjectConfigKeys.*;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.KeyToPathBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.ProbeBuilder;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.koordinator.Durations;
import io.koordinator.proxy.ProxyJvmOptions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Adds Koordinator to a pod (in place; the caller passes a clone):
 *
 * <ul>
 *   <li>init container {@code koordinator-init}: installs the iptables capture of the app port (root, with
 *       NET_ADMIN and NET_RAW only);
 *   <li>native sidecar mode: init container {@code koordinator-proxy} with {@code restartPolicy: Always} and a
 *       startupProbe, right after {@code koordinator-init} and before the user's init containers, so the proxy
 *       is ready before anything else starts;
 *   <li>fallback mode: {@code koordinator-proxy} first in {@code containers}, with a postStart hook running
 *       {@code wait}, which holds back the next containers until the proxy is ready;
 *   <li>the proxy's state directory: the emptyDir {@code koordinator-state} (it survives restarts of the proxy
 *       container, not the pod), or a subdirectory of the pod's own volume named by {@code
 *       koordinator.io/state-volume};
 *   <li>read-only Secret volumes for the group's ZooKeeper credentials and the proxy's ZooKeeper TLS material,
 *       when the pod names them ({@code koordinator.io/zk-credentials-secret}, {@code koordinator.io/zk-tls-secret});
 *   <li>the annotation {@code koordinator.io/status} recording what was added.
 * </ul>
 */
final class PodMutator {
    /**
     * The proxy's JVM options, in {@code JAVA_TOOL_OPTIONS} so that every {@code java} of the
     * container (the fallback mode's {@code wait} too) has them: {@link ProxyJvmOptions#RUNTIME},
     * a heap of a quarter of the container's memory limit (128 MiB under the default 512 MiB), and
     * the image's class-data archive. The JIT is left as it is: with C1 alone a warm proxy took 1.5
     * times the CPU per ordered request (docs/benchmarks.md). The archive cuts the start to {@code
     * /ready} by about 40 %; a JVM that finds it missing (another image) runs on without it,
     * silently, and one that finds it not matching (another jar or JVM) with one warning.
     */
    static final String PROXY_JVM_OPTIONS = String.join(" ", ProxyJvmOptions.RUNTIME) + " "
            + ProxyJvmOptions.HEAP_OF_LIMIT + " -XX:SharedArchiveFile=" + CLASS_ARCHIVE_PATH;

    private final InjectorConfig config;
    private final String version;

    PodMutator(InjectorConfig config, String version) {
        this.config = config;
        this.version = version;
    }

    /**
     * First step: rewrites the probes on the app port in place ({@link ProbeRewrite}), unless the pod turned that
     * off.
     *
     * @return the originals as JSON for {@code KOORD_APP_PROBERS}; {@code "{}"} if none
     */
    String rewriteProbes(Pod pod, PodSettings settings) {
        return settings.rewriteProbes()
                ? ProbeRewrite.rewrite(pod.getSpec(), settings.appPort()).toString()
                : "{}";
    }

    /** Second step: adds the init container, the proxy and the status annotation. */
    void mutate(Pod pod, PodSettings settings, String probers) {
        List<Container> init = new ArrayList<>();
        init.add(initContainer(settings));
        List<Container> containers = new ArrayList<>();
        Container proxy = proxyContainer(settings);
        if (!probers.equals("{}")) {
            proxy.getEnv().add(value(ENV_APP_PROBERS, probers));
        }
        // The app, for kubectl: the first container that is not somebody's proxy.
        String firstUserContainer = pod.getSpec().getContainers().stream()
                .map(Container::getName)
                .filter(n -> !AppPort.KNOWN_SIDECARS.contains(n))
                .findFirst()
                .orElse(null);
        if (config.nativeSidecars()) {
            proxy.setRestartPolicy("Always");
            proxy.setStartupProbe(adminProbe(config.proxyStartupPath(), 1, 300));
            init.add(proxy);
        } else {
            proxy.setLifecycle(new io.fabric8.kubernetes.api.model.LifecycleBuilder()
                    .withNewPostStart()
                    .withNewExec()
                    .withCommand(
                            "java",
                            "-jar",
                            JAR_PATH,
                            "wait",
                            "--admin-port",
                            "" + ADMIN_PORT,
                            "--path",
                            config.proxyStartupPath(),
                            "--timeout",
                            Durations.format(config.waitTimeout()))
                    .endExec()
                    .endPostStart()
                    .build());
            containers.add(proxy);
        }
        init.addAll(pod.getSpec().getInitContainers());
        containers.addAll(pod.getSpec().getContainers());
        pod.getSpec().setInitContainers(init);
        pod.getSpec().setContainers(containers);
        List<String> added = new ArrayList<>();
        List<Volume> volumes = new ArrayList<>(pod.getSpec().getVolumes());
        if (settings.stateVolume() == null) {
            volumes.add(new VolumeBuilder()
                    .withName(STATE_VOLUME_NAME)
                    .withNewEmptyDir()
                    .endEmptyDir()
                    .build());
            added.add(STATE_VOLUME_NAME);
        }
        if (settings.zkCredentialsSecret() != null) {
            volumes.add(secretVolume(ZK_CREDENTIALS_VOLUME_NAME, settings.zkCredentialsSecret(), ZK_CREDENTIALS_KEY));
            added.add(ZK_CREDENTIALS_VOLUME_NAME);
        }
        if (settings.zkTlsSecret() != null) {
            volumes.add(secretVolume(
                    ZK_TLS_VOLUME_NAME, settings.zkTlsSecret(), ZK_TLS_CERT_KEY, ZK_TLS_KEY_KEY, ZK_TLS_CA_KEY));
            added.add(ZK_TLS_VOLUME_NAME);
        }
        pod.getSpec().setVolumes(volumes);

        Map<String, String> annotations = pod.getMetadata().getAnnotations() == null
                ? new LinkedHashMap<>()
                : new LinkedHashMap<>(pod.getMetadata().getAnnotations());
        annotations.put(
                STATUS_ANNOTATION,
                InjectionStatus.of(version, config.nativeSidecars(), added).toJson());
        if (!config.nativeSidecars() && firstUserContainer != null) {
            // The proxy is now containers[0]; keep kubectl exec/logs pointing at the app.
            annotations.putIfAbsent(DEFAULT_CONTAINER_ANNOTATION, firstUserContainer);
        }
        pod.getMetadata().setAnnotations(annotations);
    }

    private Container initContainer(PodSettings s) {
        List<String> args = new ArrayList<>(List.of(
                "init",
                "--inbound-port",
                "" + INBOUND_PORT,
                "--capture-ports",
                "" + s.appPort(),
                "--exclude-ports",
                s.excludeInboundPorts().stream().map(String::valueOf).collect(Collectors.joining(","))));
        if (s.captureIpv6() != null) {
            args.addAll(List.of("--ipv6", s.captureIpv6()));
        }
        return new ContainerBuilder()
                .withName(INIT_CONTAINER_NAME)
                .withImage(config.image())
                .withImagePullPolicy(config.imagePullPolicy())
                .withArgs(args)
                .withResources(resources(config.initResources()))
                .withNewSecurityContext()
                .withAllowPrivilegeEscalation(false)
                .withPrivileged(false)
                .withRunAsUser(0L)
                .withRunAsGroup(0L)
                .withRunAsNonRoot(false)
                .withNewCapabilities()
                .withAdd("NET_ADMIN", "NET_RAW")
                .withDrop("ALL")
                .endCapabilities()
                .endSecurityContext()
                .build();
    }

    private Container proxyContainer(PodSettings s) {
        return new ContainerBuilder()
                .withName(PROXY_CONTAINER_NAME)
                .withImage(config.image())
                .withImagePullPolicy(config.imagePullPolicy())
                .withArgs("proxy")
                .withEnv(env(s))
                .addNewPort()
                .withName("koord-inbound")
                .withContainerPort(INBOUND_PORT)
                .withProtocol("TCP")
                .endPort()
                .addNewPort()
                .withName("koord-admin")
                .withContainerPort(ADMIN_PORT)
                .withProtocol("TCP")
                .endPort()
                .withResources(resources(s.proxyResources()))
                .withVolumeMounts(mounts(s))
                .withReadinessProbe(adminProbe("/ready", 2, 3))
                .withLivenessProbe(adminProbe("/live", 10, 3))
                .withNewSecurityContext()
                .withAllowPrivilegeEscalation(false)
                .withPrivileged(false)
                .withRunAsUser(65532L)
                .withRunAsGroup(65532L)
                .withRunAsNonRoot(true)
                .withNewCapabilities()
                .withDrop("ALL")
                .endCapabilities()
                .endSecurityContext()
                .build();
    }

    private static List<EnvVar> env(PodSettings s) {
        List<EnvVar> env = new ArrayList<>();
        env.add(value("JAVA_TOOL_OPTIONS", PROXY_JVM_OPTIONS));
        env.add(value(ENV_GROUP, s.group()));
        env.add(field(ENV_NAMESPACE, "metadata.namespace"));
        env.add(field(ENV_REPLICA_ID, "metadata.name"));
        env.add(field(ENV_ADVERTISE_ADDRESS, "status.podIP"));
        env.add(value(ENV_ZOOKEEPER, s.zookeeper()));
        env.add(value(ENV_APP_PORT, "" + s.appPort()));
        env.add(value(ENV_READ_POLICY, s.readPolicy()));
        env.add(value(ENV_STATE_DIR, STATE_MOUNT_PATH));
        if (s.transferTokenSecret() != null) {
            env.add(new EnvVarBuilder()
                    .withName(ENV_TRANSFER_TOKEN)
                    .withNewValueFrom()
                    .withNewSecretKeyRef()
                    .withName(s.transferTokenSecret())
                    .withKey(TRANSFER_TOKEN_KEY)
                    .endSecretKeyRef()
                    .endValueFrom()
                    .build());
        }
        if (s.zkCredentialsSecret() != null) {
            env.add(value(ENV_ZK_CREDENTIALS_FILE, ZK_CREDENTIALS_MOUNT_PATH + "/" + ZK_CREDENTIALS_KEY));
        }
        if (s.zkTlsSecret() != null) {
            env.add(value(ENV_ZK_TLS_CERT_FILE, ZK_TLS_MOUNT_PATH + "/" + ZK_TLS_CERT_KEY));
            env.add(value(ENV_ZK_TLS_KEY_FILE, ZK_TLS_MOUNT_PATH + "/" + ZK_TLS_KEY_KEY));
            env.add(value(ENV_ZK_TLS_CA_FILE, ZK_TLS_MOUNT_PATH + "/" + ZK_TLS_CA_KEY));
        }
        if (!s.passThrough().isEmpty()) {
            env.add(value(ENV_PASS_THROUGH, String.join(",", s.passThrough())));
        }
        s.tuning().forEach((name, v) -> env.add(value(name, v)));
        return env;
    }

    private static List<VolumeMount> mounts(PodSettings s) {
        List<VolumeMount> mounts = new ArrayList<>(List.of(stateMount(s)));
        if (s.zkCredentialsSecret() != null) {
            mounts.add(readOnlyMount(ZK_CREDENTIALS_VOLUME_NAME, ZK_CREDENTIALS_MOUNT_PATH));
        }
        if (s.zkTlsSecret() != null) {
            mounts.add(readOnlyMount(ZK_TLS_VOLUME_NAME, ZK_TLS_MOUNT_PATH));
        }
        return mounts;
    }

    /** A volume of {@code keys} of the Secret {@code secret}, each a file named as its key. */
    private static Volume secretVolume(String volume, String secret, String... keys) {
        VolumeBuilder v = new VolumeBuilder().withName(volume);
        v.withNewSecret()
                .withSecretName(secret)
                .withItems(Arrays.stream(keys)
                        .map(k -> new KeyToPathBuilder().withKey(k).withPath(k).build())
                        .toList())
                .endSecret();
        return v.build();
    }

    private static VolumeMount readOnlyMount(String volume, String path) {
        return new VolumeMountBuilder()
                .withName(volume)
                .withMountPath(path)
                .withReadOnly(true)
                .build();
    }

    /**
     * The injector's emptyDir as a whole, or a subdirectory of the pod's own volume: the app may use that volume's
     * root for its data (the kubelet creates the subdirectory).
     */
    private static VolumeMount stateMount(PodSettings s) {
        VolumeMountBuilder mount = new VolumeMountBuilder().withMountPath(STATE_MOUNT_PATH);
        return s.stateVolume() == null
                ? mount.withName(STATE_VOLUME_NAME).build()
                : mount.withName(s.stateVolume()).withSubPath(STATE_SUB_PATH).build();
    }

    private static EnvVar value(String name, String value) {
        return new EnvVarBuilder().withName(name).withValue(value).build();
    }

    private static EnvVar field(String name, String path) {
        return new EnvVarBuilder()
                .withName(name)
                .withNewValueFrom()
                .withNewFieldRef()
                .withFieldPath(path)
                .endFieldRef()
                .endValueFrom()
                .build();
    }

    private static Probe adminProbe(String path, int periodSeconds, int failureThreshold) {
        return new ProbeBuilder()
                .withNewHttpGet()
                .withPath(path)
                .withPort(new IntOrString(ADMIN_PORT))
                .endHttpGet()
                .withPeriodSeconds(periodSeconds)
                .withFailureThreshold(failureThreshold)
                .build();
    }

    private static ResourceRequirements resources(InjectorConfig.Resources r) {
        return new ResourceRequirementsBuilder()
                .withRequests(new TreeMap<>(r.requests()))
                .withLimits(new TreeMap<>(r.limits()))
                .build();
    }
}
