# Container image of the bridge: docker build -t evolution-chatwoot-bridge:0.1.0 .
# The builder stage runs the same Maven build as bin/bridge; the image runs java -jar with the jar's
# dependencies in /app/lib (its manifest names them) and the route files in /app/routes, where a ConfigMap or
# a volume can replace them.
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY pom.xml .
COPY processors processors
COPY routes routes
COPY src/main src/main
RUN mvn -B -q -Dmaven.test.skip=true package

FROM eclipse-temurin:17-jre
RUN useradd --system --uid 10001 --home-dir /app bridge \
    && mkdir -p /app/routes.d /data \
    && chown bridge /data
WORKDIR /app
COPY --from=build /src/target/lib/ lib/
COPY --from=build /src/target/evolution-chatwoot-bridge-0.1.0-SNAPSHOT.jar bridge.jar
COPY routes/ routes/
ENV BRIDGE_DATA_DIR=/data \
    JAVA_OPTS="-Xmx128m -XX:+ExitOnOutOfMemoryError" \
    CAMEL_MAIN_ROUTESINCLUDEPATTERN="file:/app/routes/*.yaml,file:/app/routes/*.xml,file:/app/routes.d/*.yaml,file:/app/routes.d/*.xml"
USER 10001
EXPOSE 8080 9876
VOLUME /data
ENTRYPOINT ["sh", "-c", "exec java $JAVA_OPTS -jar /app/bridge.jar \"$@\"", "bridge"]
