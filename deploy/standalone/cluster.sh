#!/usr/bin/env bash
# A Flink 2.2 standalone session cluster plus a single-node Kafka broker on this machine, from Maven-fetched jars
# (flink-dist, the binary distribution, is not on Maven Central): one JobManager, N TaskManagers and one KRaft
# broker, each its own background JVM. `./saa cluster ...` runs this script after building the checkout.
#
#   cluster.sh start [--taskmanagers N] [--slots S] [--home DIR] [--rest-port P] [--kafka-port P] [--no-kafka]
#                    [--conf key=value]...
#   cluster.sh start-taskmanager [--home DIR]      one more TaskManager (after one was lost)
#   cluster.sh stop [--home DIR]                   stop everything; logs and checkpoints stay
#   cluster.sh status [--home DIR]                 processes, slots, jobs; exit 0 when the JobManager answers
#   cluster.sh flink [--home DIR] ARGS...          Flink's own CLI against this cluster (run, list, savepoint, ...)
#
# Environment: JAVA_HOME (else java on the PATH), SAA_CLUSTER_START_TIMEOUT (seconds, default 120),
# SAA_CLUSTER_STOP_TIMEOUT (seconds per process before SIGKILL, default 30).
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"
LIB="$SCRIPT_DIR/target/lib"
TEMPLATE_CONF="$SCRIPT_DIR/conf/config.yaml"
TEMPLATE_LOG4J="$SCRIPT_DIR/conf/log4j.properties"
KAFKA_CLASSPATH_FILE="$ROOT/jobs/target/launcher.classpath"
JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"
# how to call this script in the hints it prints (the saa launcher sets "./saa cluster")
SELF="${SAA_CLUSTER_COMMAND:-deploy/standalone/cluster.sh}"

JM_MAIN=org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint
TM_MAIN=org.apache.flink.runtime.taskexecutor.TaskManagerRunner
KAFKA_MAIN=kafka.Kafka

# ONNX Runtime 1.29 crashes at start-up with its telemetry on and a long command line (docs: stack facts); every
# JVM of the cluster may load it. The classpath goes through CLASSPATH for the same reason.
export ORT_DISABLE_TELEMETRY=1

die() {
  echo "cluster: $*" >&2
  exit 1
}

# A usage error: exit code 2, as the saa command line has it.
usage_error() {
  echo "cluster: $*" >&2
  echo "Try '$SELF --help' for more information." >&2
  exit 2
}

say() {
  echo "$*" >&2
}

usage() {
  cat <<EOF
Usage: $SELF COMMAND [OPTIONS]

A Flink 2.2 session cluster and a Kafka broker on this machine, each process its own JVM.

Commands:
  start               start a JobManager, TaskManagers and a Kafka broker; wait until they are ready
  start-taskmanager   add one TaskManager to the running cluster (say, after one was lost)
  stop                stop every process of the cluster (SIGTERM, SIGKILL after a timeout); logs and checkpoints stay
  status              processes, TaskManagers, slots and running jobs; exit 0 when the JobManager answers, 3 if not
  flink ARGS...       Flink's own command line against this cluster, e.g. 'flink list', 'flink run -d JAR ...',
                      'flink savepoint JOB_ID' (options of flink after --home)

Options:
  --home DIR          the cluster's folder: conf/, log/, pids/, checkpoints/, savepoints/, kafka/
                      (default: $ROOT/target/cluster)
start only:
  --taskmanagers N    TaskManagers to start (default 1)
  --slots S           slots per TaskManager (default 2)
  --rest-port P       REST API and web UI port (default 8081)
  --kafka-port P      Kafka client port (default 9092)
  --no-kafka          no Kafka broker (use one of your own)
  --conf KEY=VALUE    any Flink option for this cluster (repeatable), e.g. --conf heartbeat.timeout=20000
EOF
}

# ---------------------------------------------------------------------------------------------------------------
# helpers

# The body of an HTTP GET, or a non-zero status. curl or wget when there, else bash's /dev/tcp (HTTP/1.0).
http_get() {
  local url="$1"
  if command -v curl >/dev/null; then
    curl -fsS --max-time 5 "$url" 2>/dev/null
  elif command -v wget >/dev/null; then
    wget -q -T 5 -O - "$url" 2>/dev/null
  else
    local rest="${url#http://}" hostport path host port response
    hostport="${rest%%/*}"
    path="/${rest#*/}"
    host="${hostport%%:*}"
    port="${hostport##*:}"
    # shellcheck disable=SC2016  # the inner bash expands its own arguments
    response="$(timeout 5 bash -c 'exec 3<>"/dev/tcp/$1/$2" && printf "GET %s HTTP/1.0\r\nHost: %s\r\n\r\n" "$3" "$1" >&3 && cat <&3' \
      _ "$host" "$port" "$path")" || return 1
    [[ "$response" == "HTTP/1."?" 200"* ]] || return 1
    printf '%s\n' "${response#*$'\r\n\r\n'}"
  fi
}

# True when something accepts connections on localhost:PORT.
port_open() {
  # shellcheck disable=SC2016  # the inner bash expands its own argument
  timeout 1 bash -c 'exec 3<>"/dev/tcp/localhost/$1"' _ "$1" 2>/dev/null
}

# The first port from START on that nothing listens on.
free_port_from() {
  local port="$1"
  while port_open "$port"; do
    port=$((port + 1))
  done
  echo "$port"
}

# A number from flat JSON: json_number '"taskmanagers"' BODY
json_number() {
  sed -n "s/.*\"$1\":\([0-9][0-9]*\).*/\1/p" <<< "$2" | head -n 1
}

# The value of a top-level key in the cluster's config.yaml (the last occurrence, as Flink reads it).
conf_get() {
  local file="$HOME_DIR/conf/config.yaml"
  [[ -f "$file" ]] || return 0
  sed -n "s/^${1//./\\.}:[[:space:]]*//p" "$file" | tail -n 1
}

# The pid in the pid file when that process is alive and still runs MAIN_CLASS (pids get reused).
live_pid() {
  local file="$1" main="$2" pid
  [[ -f "$file" ]] || return 1
  pid="$(<"$file")"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  if [[ -r "/proc/$pid/cmdline" ]]; then
    tr '\0' ' ' < "/proc/$pid/cmdline" | grep -qF "$main" || return 1
  fi
  echo "$pid"
}

main_class_of() {
  case "$(basename "$1")" in
    jobmanager.pid) echo "$JM_MAIN" ;;
    taskmanager-*.pid) echo "$TM_MAIN" ;;
    kafka.pid) echo "$KAFKA_MAIN" ;;
    *) echo "java" ;;
  esac
}

# The pid files of this home, one a line: JobManager, TaskManagers by number, broker. KIND limits it to one kind
# (jobmanager, taskmanager, kafka).
pid_files() {
  local kind="${1:-}"
  { [[ -f "$HOME_DIR/pids/jobmanager.pid" ]] && echo "$HOME_DIR/pids/jobmanager.pid"
    compgen -G "$HOME_DIR/pids/taskmanager-*.pid" | sort -V
    [[ -f "$HOME_DIR/pids/kafka.pid" ]] && echo "$HOME_DIR/pids/kafka.pid"
  } | grep -F "/$kind" || true
}

any_live() {
  local f
  while IFS= read -r f; do
    live_pid "$f" "$(main_class_of "$f")" >/dev/null && return 0
  done < <(pid_files)
  return 1
}

java_opens() {
  sed -n 's:.*<java17.opens>\(.*\)</java17.opens>.*:\1:p' "$ROOT/pom.xml"
}

# Starts a detached JVM (own session: a Ctrl-C or a closed terminal of the caller does not reach it). NAME gives
# <home>/log/NAME.log (log4j), <home>/log/NAME.out (stdout/stderr) and <home>/pids/NAME.pid.
#   start_jvm NAME CLASSPATH JAVA_ARGS...
start_jvm() {
  local name="$1" classpath="$2"
  shift 2
  local pid_file="$HOME_DIR/pids/$name.pid" log="$HOME_DIR/log/$name.log" i
  rm -f "$pid_file"
  # as log4j does with the .log on start-up
  [[ -s "$HOME_DIR/log/$name.out" ]] && mv -f "$HOME_DIR/log/$name.out" "$HOME_DIR/log/$name.out.1"
  # The pid is written from inside, so that it is the JVM's even where setsid has to fork.
  # shellcheck disable=SC2016  # the inner bash expands its own arguments
  CLASSPATH="$classpath" FLINK_PLUGINS_DIR="$HOME_DIR/plugins" setsid bash -c 'echo $$ > "$1"; shift; exec "$@"' _ "$pid_file" \
    "$JAVA" "${OPENS[@]}" -Dlog.file="$log" \
    -Dlog4j.configuration="file:$HOME_DIR/conf/log4j.properties" \
    -Dlog4j.configurationFile="file:$HOME_DIR/conf/log4j.properties" \
    "$@" > "$HOME_DIR/log/$name.out" 2>&1 < /dev/null &
  for i in $(seq 50); do
    [[ -s "$pid_file" ]] && return 0
    sleep 0.1
  done
  die "$name did not start (no pid file $pid_file); see $HOME_DIR/log/$name.out"
}

# Computes the JVM flags and dynamic configs of a process from config.yaml the way Flink's own scripts do
# (BashJavaUtils), into <home>/conf/KIND.memory. KIND: JM or TM. A short-lived JVM tuned for start-up.
compute_memory() {
  local kind="$1" output results
  if ! output="$(CLASSPATH="$LIB/*" "$JAVA" -Xmx128m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 "${OPENS[@]}" \
      -Dlog4j2.configurationFile="file:$HOME_DIR/conf/log4j.properties" -Dlog.file="$HOME_DIR/log/memory-$kind.log" \
      org.apache.flink.runtime.util.bash.BashJavaUtils "GET_${kind}_RESOURCE_PARAMS" \
      --configDir "$HOME_DIR/conf" 2>&1)"; then
    grep -v -E '^\s+(at |\.\.\. )' <<< "$output" >&2
    say "cluster: could not compute the $kind memory settings from $HOME_DIR/conf/config.yaml (output above)"
    return 1
  fi
  # The last two result lines: the JVM flags, then the memory sizes as -D key=value dynamic configs.
  results="$(sed -n 's/^BASH_JAVA_UTILS_EXEC_RESULT://p' <<< "$output" | tail -n 2)"
  if [[ "$(wc -l <<< "$results")" != 2 ]]; then
    say "$output"
    say "cluster: unexpected BashJavaUtils output (above)"
    return 1
  fi
  echo "$results" > "$HOME_DIR/conf/$kind.memory"
}

# Sets the arrays JVM_MEMORY and DYNAMIC_CONFIGS from what compute_memory KIND wrote.
load_memory() {
  local file="$HOME_DIR/conf/$1.memory"
  [[ -s "$file" ]] || die "$file is missing"
  read -r -a JVM_MEMORY <<< "$(head -n 1 "$file")"
  read -r -a DYNAMIC_CONFIGS <<< "$(tail -n 1 "$file")"
}

need_lib() {
  if [[ ! -d "$LIB" ]] || ! compgen -G "$LIB/flink-runtime-*.jar" >/dev/null; then
    command -v mvn >/dev/null || die "$LIB is missing and Maven (mvn) is not here to build it"
    say "building the cluster's lib ($LIB)..."
    mvn -q -f "$SCRIPT_DIR/pom.xml" package >&2 || die "mvn -f $SCRIPT_DIR/pom.xml package failed"
  fi
}

# ---------------------------------------------------------------------------------------------------------------
# config

CONF_KEYS=()
CONF_VALUES=()
# names of the processes this run started (wait_ready watches them)
STARTED=()

set_conf() {
  local i
  for i in "${!CONF_KEYS[@]}"; do
    if [[ "${CONF_KEYS[$i]}" == "$1" ]]; then
      CONF_VALUES[i]="$2"
      return
    fi
  done
  CONF_KEYS+=("$1")
  CONF_VALUES+=("$2")
}

# <home>/conf/config.yaml: the committed template without the keys set here, then those keys.
write_config() {
  local file="$HOME_DIR/conf/config.yaml" pattern="" key i
  for key in "${CONF_KEYS[@]}"; do
    pattern+="${pattern:+|}${key//./\\.}"
  done
  {
    grep -v -E "^(${pattern}):" "$TEMPLATE_CONF"
    echo
    echo "# --- set by cluster.sh start ($(date '+%Y-%m-%d %H:%M:%S')) ---"
    for i in "${!CONF_KEYS[@]}"; do
      echo "${CONF_KEYS[$i]}: ${CONF_VALUES[$i]}"
    done
  } > "$file"
  cp "$TEMPLATE_LOG4J" "$HOME_DIR/conf/log4j.properties"
}

# ---------------------------------------------------------------------------------------------------------------
# processes

start_jobmanager() {
  load_memory JM
  start_jvm jobmanager "$LIB/*" "${JVM_MEMORY[@]}" "$JM_MAIN" --configDir "$HOME_DIR/conf" "${DYNAMIC_CONFIGS[@]}"
}

# The next TaskManager number: one more than any with a pid file. A lost TaskManager keeps its pid file (and so
# its number and its log) until stop; start begins again at 1, and log4j rolls an older log over to NAME.log.1.
next_taskmanager_index() {
  local max=0 f n
  for f in "$HOME_DIR"/pids/taskmanager-*.pid; do
    [[ -e "$f" ]] || continue
    n="$(basename "$f")"
    n="${n#taskmanager-}"
    n="${n%%.*}"
    [[ "$n" =~ ^[0-9]+$ ]] && ((n > max)) && max="$n"
  done
  echo $((max + 1))
}

# Starts one TaskManager (compute_memory TM must have run) and adds it to STARTED.
start_taskmanager() {
  local index
  load_memory TM
  index="$(next_taskmanager_index)"
  start_jvm "taskmanager-$index" "$LIB/*" "${JVM_MEMORY[@]}" "$TM_MAIN" --configDir "$HOME_DIR/conf" \
    -D "taskmanager.resource-id=tm-$index" "${DYNAMIC_CONFIGS[@]}"
  say "  taskmanager-$index started (pid $(<"$HOME_DIR/pids/taskmanager-$index.pid"))"
  STARTED+=("taskmanager-$index")
}

kafka_classpath() {
  [[ -s "$KAFKA_CLASSPATH_FILE" ]] || die "$KAFKA_CLASSPATH_FILE is missing: the Kafka broker runs from the jobs \
module's classpath, which a build writes. Run './saa cluster start ...' (the launcher builds first) or \
'mvn -DskipTests install' in $ROOT, or pass --no-kafka."
  cat "$KAFKA_CLASSPATH_FILE"
}

# A random KRaft cluster id: 16 bytes, URL-safe base64 without padding, not starting with '-' (as Kafka makes them).
kafka_cluster_id() {
  local id="-"
  while [[ "$id" == -* ]]; do
    id="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')"
  done
  echo "$id"
}

write_kafka_config() {
  local kafka_port="$1" controller_port="$2" dir="$HOME_DIR/kafka"
  mkdir -p "$dir/data"
  cat > "$dir/server.properties" <<EOF
# Single-node KRaft broker of the standalone cluster, written by cluster.sh start.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@localhost:$controller_port
listeners=PLAINTEXT://localhost:$kafka_port,CONTROLLER://localhost:$controller_port
advertised.listeners=PLAINTEXT://localhost:$kafka_port
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$dir/data
auto.create.topics.enable=true
num.partitions=1
# one node: every internal topic with one replica (the defaults of three can never be met)
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
# Flink's exactly-once KafkaSink asks for one-hour transactions; the default 15-minute ceiling would refuse them.
transaction.max.timeout.ms=3600000
# camera frames are far larger than the 1 MB default (KafkaTopics.MAX_MESSAGE_BYTES in the jobs module)
message.max.bytes=16777216
replica.fetch.max.bytes=16777216
EOF
}

# Writes server.properties and formats the storage on the first start of this home.
prepare_kafka() {
  local kafka_port="$1" classpath="$2" controller_port="" old
  # Keep the controller port of an earlier start of this home where it is free: the quorum remembers it.
  if [[ -f "$HOME_DIR/kafka/server.properties" ]]; then
    old="$(sed -n 's/^controller.quorum.voters=1@localhost://p' "$HOME_DIR/kafka/server.properties")"
    if [[ "$old" =~ ^[0-9]+$ ]] && ! port_open "$old" && ((old != kafka_port)); then
      controller_port="$old"
    fi
  fi
  [[ -n "$controller_port" ]] || controller_port="$(free_port_from $((kafka_port + 1)))"
  write_kafka_config "$kafka_port" "$controller_port"
  [[ -f "$HOME_DIR/kafka/data/meta.properties" ]] && return 0
  if ! CLASSPATH="$classpath" "$JAVA" -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 \
      -Dlog4j2.configurationFile="file:$HOME_DIR/conf/log4j.properties" -Dlog.file="$HOME_DIR/log/kafka-format.log" \
      kafka.tools.StorageTool format -t "$(kafka_cluster_id)" -c "$HOME_DIR/kafka/server.properties" \
      > "$HOME_DIR/log/kafka-format.out" 2>&1; then
    cat "$HOME_DIR/log/kafka-format.out" >&2
    say "cluster: formatting the Kafka storage in $HOME_DIR/kafka/data failed (output above)"
    return 1
  fi
}

start_kafka() {
  start_jvm kafka "$1" -Xmx512m -Xms512m -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Djava.awt.headless=true \
    "$KAFKA_MAIN" "$HOME_DIR/kafka/server.properties"
  say "  kafka started (pid $(<"$HOME_DIR/pids/kafka.pid"))"
  STARTED+=(kafka)
}

# SIGTERM to each, then wait; SIGKILL what is still there after the timeout.
stop_processes() {
  local timeout="${SAA_CLUSTER_STOP_TIMEOUT:-30}" f pid pids=() names=()
  for f in "$@"; do
    if pid="$(live_pid "$f" "$(main_class_of "$f")")"; then
      kill -TERM "$pid" 2>/dev/null || true
      pids+=("$pid")
      names+=("$(basename "$f" .pid)")
    fi
    rm -f "$f"
  done
  ((${#pids[@]} > 0)) || return 0
  for _ in $(seq $((timeout * 5))); do
    local alive=0 p
    for p in "${pids[@]}"; do
      kill -0 "$p" 2>/dev/null && alive=1
    done
    ((alive)) || break
    sleep 0.2
  done
  local i
  for i in "${!pids[@]}"; do
    if kill -0 "${pids[$i]}" 2>/dev/null; then
      say "  ${names[$i]} (pid ${pids[$i]}) still there after ${timeout} s: SIGKILL"
      kill -KILL "${pids[$i]}" 2>/dev/null || true
    else
      say "  ${names[$i]} (pid ${pids[$i]}) stopped"
    fi
  done
}

# What went wrong in a process, for a failure message: its stdout/stderr and the errors of its log (or the log's
# last lines when it has none).
show_logs() {
  local name="$1" out="$HOME_DIR/log/$1.out" log="$HOME_DIR/log/$1.log" errors
  if [[ -s "$out" ]] && grep -qv '^WARNING: ' "$out"; then
    say "--- $out (last lines)"
    grep -v '^WARNING: ' "$out" | tail -n 10 >&2
  fi
  [[ -s "$log" ]] || return 0
  errors="$(grep -E ' ERROR |^Caused by: ' "$log" | head -n 8 || true)"
  if [[ -n "$errors" ]]; then
    say "--- $log (errors)"
    say "$errors"
  else
    say "--- $log (last lines)"
    tail -n 15 "$log" >&2
  fi
}

# Waits until the REST API lists WANT TaskManagers and, with a port, the broker accepts connections. When one of
# the processes in STARTED exits meanwhile, or on the timeout, stops those (ALL=1: the whole cluster) and fails.
#   wait_ready REST_URL WANT KAFKA_PORT|"" ALL
wait_ready() {
  local rest_url="$1" want="$2" kafka_port="$3" all="$4" timeout="${SAA_CLUSTER_START_TIMEOUT:-120}" start body
  local tms="" name problem="" files
  start="$(date +%s)"
  while [[ -z "$problem" ]]; do
    for name in "${STARTED[@]}"; do
      if ! live_pid "$HOME_DIR/pids/$name.pid" "$(main_class_of "$name.pid")" >/dev/null; then
        show_logs "$name"
        problem="$name exited during start-up (logs above)"
        break
      fi
    done
    [[ -n "$problem" ]] && break
    body="$(http_get "$rest_url/overview" || true)"
    tms="$(json_number taskmanagers "$body")"
    if [[ -n "$tms" ]] && ((tms >= want)) && { [[ -z "$kafka_port" ]] || port_open "$kafka_port"; }; then
      return 0
    fi
    if (($(date +%s) - start > timeout)); then
      problem="not ready after ${timeout} s (TaskManagers registered: ${tms:-none, the JobManager does not answer}; \
want $want$([[ -n "$kafka_port" ]] && ! port_open "$kafka_port" && echo "; Kafka not accepting on $kafka_port"))"
    fi
    sleep 0.5
  done
  say "cluster: $problem; logs in $HOME_DIR/log"
  if ((all)); then
    say "stopping what started"
    mapfile -t files < <(pid_files)
    stop_processes "${files[@]}"
  else
    for name in "${STARTED[@]}"; do
      stop_processes "$HOME_DIR/pids/$name.pid"
    done
  fi
  exit 1
}

# ---------------------------------------------------------------------------------------------------------------
# commands

cmd_start() {
  local taskmanagers=1 slots=2 rest_port=8081 kafka_port=9092 kafka=1 overrides=() kv i
  while (($#)); do
    case "$1" in
      --taskmanagers) taskmanagers="${2:?--taskmanagers needs a number}"; shift 2 ;;
      --slots) slots="${2:?--slots needs a number}"; shift 2 ;;
      --rest-port) rest_port="${2:?--rest-port needs a port}"; shift 2 ;;
      --kafka-port) kafka_port="${2:?--kafka-port needs a port}"; shift 2 ;;
      --no-kafka) kafka=0; shift ;;
      --conf) overrides+=("${2:?--conf needs key=value}"); shift 2 ;;
      --conf=*) overrides+=("${1#--conf=}"); shift ;;
      *) usage_error "start: unknown option '$1'" ;;
    esac
  done
  for kv in "$taskmanagers" "$slots" "$rest_port" "$kafka_port"; do
    [[ "$kv" =~ ^[0-9]+$ ]] || usage_error "start: '$kv' is not a number"
  done
  ((taskmanagers >= 1)) || usage_error "start: --taskmanagers must be 1 or more"
  ((slots >= 1)) || usage_error "start: --slots must be 1 or more"

  mkdir -p "$HOME_DIR"/{conf,log,pids,checkpoints,savepoints,tmp,web,plugins}
  HOME_DIR="$(cd "$HOME_DIR" && pwd)"
  if any_live; then
    say "cluster: a cluster is already running in $HOME_DIR:"
    cmd_status >&2 || true
    die "stop it first ('$SELF stop${HOME_HINT}') or use another --home"
  fi
  rm -f "$HOME_DIR"/pids/*.pid
  need_lib
  command -v setsid >/dev/null || die "setsid (util-linux) is needed to start the cluster's processes"

  port_open "$rest_port" && die "port $rest_port is taken (another Flink cluster?); choose one with --rest-port"
  if ((kafka)); then
    port_open "$kafka_port" && die "port $kafka_port is taken (another Kafka?); choose one with --kafka-port, or --no-kafka"
    kafka_classpath > /dev/null
  fi

  # Flink's 6123 with the default REST port; another REST port shifts it (8082 -> 6124, 18081 -> 6123 again), so
  # that clusters started at the same moment with different REST ports do not both pick the first free port.
  set_conf jobmanager.rpc.port "$(free_port_from $((6123 + (rest_port + 1919) % 1000)))"
  set_conf rest.port "$rest_port"
  set_conf taskmanager.numberOfTaskSlots "$slots"
  set_conf execution.checkpointing.dir "file://$HOME_DIR/checkpoints"
  set_conf execution.checkpointing.savepoint-dir "file://$HOME_DIR/savepoints"
  set_conf io.tmp.dirs "$HOME_DIR/tmp"
  set_conf web.tmpdir "$HOME_DIR/web"
  set_conf web.upload.dir "$HOME_DIR/web/upload"
  # Flink reads this only in its own scripts and native deployments; kept for anyone using this conf dir that way.
  set_conf env.java.opts.all "$(java_opens)"
  for kv in "${overrides[@]}"; do
    [[ "$kv" == *=* ]] || usage_error "start: --conf '$kv' is not key=value"
    set_conf "${kv%%=*}" "${kv#*=}"
  done
  write_config
  rest_port="$(conf_get rest.port)"
  slots="$(conf_get taskmanager.numberOfTaskSlots)"

  local started kafka_cp="" jm tm kf=""
  started="$(date +%s)"
  say "starting in $HOME_DIR: JobManager, $taskmanagers TaskManager(s)$( ((kafka)) && echo ", Kafka broker")"
  # The three short tool runs (memory settings of JM and TM, Kafka storage format) side by side: on two cores
  # the daemons' start-up then has the machine to itself.
  compute_memory JM & jm=$!
  compute_memory TM & tm=$!
  if ((kafka)); then
    kafka_cp="$(kafka_classpath)"
    prepare_kafka "$kafka_port" "$kafka_cp" & kf=$!
  fi
  wait "$jm" || die "start aborted"
  wait "$tm" || die "start aborted"
  [[ -z "$kf" ]] || wait "$kf" || die "start aborted"
  STARTED=()
  # Ctrl-C while waiting: take down what this run started rather than leave it half up
  trap 'say "interrupted: stopping what started"; mapfile -t files < <(pid_files); stop_processes "${files[@]}"; exit 130' \
    INT TERM
  start_jobmanager
  say "  jobmanager started (pid $(<"$HOME_DIR/pids/jobmanager.pid"))"
  STARTED+=(jobmanager)
  for ((i = 0; i < taskmanagers; i++)); do
    start_taskmanager
  done
  ((kafka)) && start_kafka "$kafka_cp"
  wait_ready "http://localhost:$rest_port" "$taskmanagers" "$( ((kafka)) && echo "$kafka_port")" 1
  trap - INT TERM

  local body bootstrap="localhost:$kafka_port"
  ((kafka)) || bootstrap="<your Kafka>"
  body="$(http_get "http://localhost:$rest_port/overview")"
  cat <<EOF

Flink session cluster ready in $(($(date +%s) - started)) s ($HOME_DIR)
  web UI and REST  http://localhost:$rest_port
  TaskManagers     $(json_number taskmanagers "$body") x $slots slots ($(json_number slots-total "$body") slots)
  Kafka            $( ((kafka)) && echo "localhost:$kafka_port" || echo "none (--no-kafka)")
  logs             $HOME_DIR/log
  checkpoints      $HOME_DIR/checkpoints   savepoints  $HOME_DIR/savepoints
  metrics          Prometheus on the first free ports of $(conf_get metrics.reporter.prom.port) (one per JVM)

Next:
  ./saa ingest --bootstrap-servers $bootstrap --topic frames --dataset samples/mtd --category mtd --partitions 2
  ./saa submit --rest-url http://localhost:$rest_port --bootstrap-servers $bootstrap \\
      --frames-topic frames --events-topic events --dead-letter-topic dead-letters
  $SELF status${HOME_HINT}
  $SELF stop${HOME_HINT}
EOF
}

cmd_start_taskmanager() {
  (($# == 0)) || usage_error "start-taskmanager: unknown option '$1'"
  [[ -f "$HOME_DIR/conf/config.yaml" ]] || die "no cluster in $HOME_DIR (no conf/config.yaml); '$SELF start' first"
  live_pid "$HOME_DIR/pids/jobmanager.pid" "$JM_MAIN" >/dev/null \
    || die "the JobManager of $HOME_DIR is not running; '$SELF start${HOME_HINT}' starts a new cluster"
  need_lib
  local rest_url before
  rest_url="http://localhost:$(conf_get rest.port)"
  before="$(json_number taskmanagers "$(http_get "$rest_url/overview" || true)")"
  compute_memory TM || die "no TaskManager started"
  STARTED=()
  start_taskmanager
  wait_ready "$rest_url" $((${before:-0} + 1)) "" 0
  say "TaskManagers registered: $(json_number taskmanagers "$(http_get "$rest_url/overview")")"
}

# Flink's own command line (CliFrontend) aimed at this cluster: its config.yaml holds the REST address.
cmd_flink() {
  [[ -f "$HOME_DIR/conf/config.yaml" ]] || die "no cluster in $HOME_DIR (no conf/config.yaml); '$SELF start' first"
  need_lib
  CLASSPATH="$LIB/*" FLINK_CONF_DIR="$HOME_DIR/conf" exec "$JAVA" "${OPENS[@]}" \
    -Dlog.file="$HOME_DIR/log/flink-client.log" -Dlog4j.configurationFile="file:$HOME_DIR/conf/log4j.properties" \
    org.apache.flink.client.cli.CliFrontend "$@"
}

cmd_stop() {
  (($# == 0)) || usage_error "stop: unknown option '$1'"
  [[ -d "$HOME_DIR/pids" ]] || { say "nothing runs in $HOME_DIR"; return 0; }
  any_live || { rm -f "$HOME_DIR"/pids/*.pid; say "nothing runs in $HOME_DIR"; return 0; }
  say "stopping the cluster in $HOME_DIR"
  # TaskManagers first (the JobManager then just sees them go), the broker last (the job's sinks close first).
  local kind files
  for kind in taskmanager jobmanager kafka; do
    mapfile -t files < <(pid_files "$kind")
    stop_processes "${files[@]}"
  done
  rm -f "$HOME_DIR"/pids/*.pid
  say "stopped; logs in $HOME_DIR/log, checkpoints in $HOME_DIR/checkpoints"
}

cmd_status() {
  (($# == 0)) || usage_error "status: unknown option '$1'"
  local f files pid name rest_port body jobs kafka_port=""
  echo "cluster home: $HOME_DIR"
  mapfile -t files < <(pid_files)
  if ((${#files[@]} == 0)); then
    echo "  no processes (not started, or stopped)"
  fi
  for f in "${files[@]}"; do
    name="$(basename "$f" .pid)"
    if pid="$(live_pid "$f" "$(main_class_of "$f")")"; then
      echo "  $(printf '%-16s' "$name") pid $pid, $(($(ps -o rss= -p "$pid" 2>/dev/null || echo 0) / 1024)) MB RSS"
    else
      echo "  $(printf '%-16s' "$name") not running (pid $(<"$f") gone)"
    fi
  done
  if [[ -f "$HOME_DIR/kafka/server.properties" ]] && live_pid "$HOME_DIR/pids/kafka.pid" "$KAFKA_MAIN" >/dev/null; then
    kafka_port="$(sed -n 's/^advertised.listeners=PLAINTEXT:\/\/localhost:\([0-9]*\).*/\1/p' "$HOME_DIR/kafka/server.properties")"
    echo "Kafka: localhost:$kafka_port$(port_open "$kafka_port" || echo " (not accepting connections)")"
  fi
  rest_port="$(conf_get rest.port)"
  if [[ -z "$rest_port" ]] || ! body="$(http_get "http://localhost:$rest_port/overview")"; then
    echo "JobManager: not answering${rest_port:+ on http://localhost:$rest_port}"
    return 3
  fi
  echo "JobManager: http://localhost:$rest_port (Flink $(sed -n 's/.*"flink-version":"\([^"]*\)".*/\1/p' <<< "$body"))"
  echo "  TaskManagers $(json_number taskmanagers "$body"), slots $(json_number slots-available "$body") free of" \
    "$(json_number slots-total "$body"), jobs running $(json_number jobs-running "$body")"
  jobs="$(http_get "http://localhost:$rest_port/jobs/overview" || true)"
  # jid, name, state of each job, in that order in Flink's answer
  { grep -o '"jid":"[^"]*"\|"name":"[^"]*"\|"state":"[^"]*"' <<< "$jobs" || true; } \
    | sed 's/^"[a-z]*":"\(.*\)"$/\1/' | paste - - - | while IFS=$'\t' read -r jid jname state; do
        echo "  job $jid  $state  $jname"
      done
  return 0
}

# ---------------------------------------------------------------------------------------------------------------

COMMAND="${1:-}"
(($#)) && shift
HOME_DIR="$ROOT/target/cluster"
HOME_HINT=""
ARGS=()
while (($#)); do
  case "$1" in
    --home) HOME_DIR="${2:?--home needs a folder}"; HOME_HINT=" --home $2"; shift 2 ;;
    --home=*) HOME_DIR="${1#--home=}"; HOME_HINT=" --home ${1#--home=}"; shift ;;
    *)
      # flink: everything after --home is Flink's
      if [[ "$COMMAND" == flink ]]; then
        ARGS=("$@")
        break
      fi
      case "$1" in
        -h|--help) usage; exit 0 ;;
        *) ARGS+=("$1"); shift ;;
      esac
      ;;
  esac
done
[[ "$HOME_DIR" == /* ]] || HOME_DIR="$PWD/$HOME_DIR"
[[ -d "$HOME_DIR" ]] && HOME_DIR="$(cd "$HOME_DIR" && pwd)"
read -r -a OPENS <<< "$(java_opens)"

case "$COMMAND" in
  start) cmd_start "${ARGS[@]+"${ARGS[@]}"}" ;;
  start-taskmanager) cmd_start_taskmanager "${ARGS[@]+"${ARGS[@]}"}" ;;
  stop) cmd_stop "${ARGS[@]+"${ARGS[@]}"}" ;;
  status) cmd_status "${ARGS[@]+"${ARGS[@]}"}" ;;
  flink) cmd_flink "${ARGS[@]+"${ARGS[@]}"}" ;;
  ""|-h|--help|help) usage ;;
  *) usage_error "unknown command '$COMMAND'" ;;
esac
