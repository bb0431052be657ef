# The one koordinator image: the proxy, the injector webhook and the init (iptables)
# command in koordinator.jar, plus the sample kv app in koordinator-loadtest.jar.
#
# Build (the jars come from the Maven build, not from inside the image):
#   mvn -B -ntp -DskipTests package && docker build -t koordinator:dev .
FROM eclipse-temurin:17-jre

# iptables and ip6tables (one package) for the init subcommand (the pod's init container
# runs it as root with NET_ADMIN and NET_RAW). The default backend is nf_tables; nodes still
# on the legacy backend can use init --iptables iptables-legacy (or KOORD_IPTABLES), which
# also picks ip6tables-legacy for IPv6.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends iptables \
 && rm -rf /var/lib/apt/lists/*

COPY proxy/target/koordinator.jar /opt/koordinator/koordinator.jar
COPY loadtest/target/koordinator-loadtest.jar /opt/koordinator/koordinator-loadtest.jar

# The proxy's class-data archive (AppCDS): a training run with this image's own JVM and jar paths
# (one ZooKeeper, one kv app and one proxy on loopback, 15 s of load) writes every class the proxy
# loaded, so an injected proxy maps them instead of loading them (the injector's JAVA_TOOL_OPTIONS
# name the file). A proxy reaches /ready in about 1.3 s instead of 2.1 s (docs/benchmarks.md). A
# JVM that finds the archive missing or built for another jar runs on without it.
RUN java -Dkoordinator.proxy.jar=/opt/koordinator/koordinator.jar \
        -jar /opt/koordinator/koordinator-loadtest.jar class-archive --out /opt/koordinator/proxy.jsa

# Everything but init runs unprivileged; the injector gives the init container uid 0.
USER 65532:65532
WORKDIR /tmp

# The subcommand is the first argument: proxy, init, inject or wait.
ENTRYPOINT ["java", "-jar", "/opt/koordinator/koordinator.jar"]
CMD ["--help"]
