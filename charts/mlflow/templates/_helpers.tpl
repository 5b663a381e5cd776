{{/* Names */}}
{{- define "mlflow.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "mlflow.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "mlflow.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "mlflow.selectorLabels" -}}
app.kubernetes.io/name: {{ include "mlflow.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* The server pods only (the Jobs and the helm test pod share mlflow.selectorLabels). */}}
{{- define "mlflow.serverSelectorLabels" -}}
{{ include "mlflow.selectorLabels" . }}
app.kubernetes.io/component: tracking-server
{{- end }}

{{- define "mlflow.labels" -}}
helm.sh/chart: {{ include "mlflow.chart" . }}
{{ include "mlflow.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: mlflow
{{- end }}

{{- define "mlflow.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "mlflow.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "mlflow.image" -}}
{{- printf "%s:%s" .Values.image.repository (default (printf "v%s-full" .Chart.AppVersion) .Values.image.tag) }}
{{- end }}

{{/* The launcher every container runs as `python -c`: see files/launch.py. */}}
{{- define "mlflow.launcher" -}}
{{- $withoutComments := regexReplaceAll "(?m)^[ \t]*#.*\n" (.Files.Get "files/launch.py") "" }}
{{- regexReplaceAll "\n\n+" $withoutComments "\n" }}
{{- end }}

{{/*
The database connection, from either of the seed's shapes, as YAML:
host, port, database, username, password, masterUser. Empty when no database is used.
*/}}
{{- define "mlflow.connection" -}}
{{- $c := .Values.mlflowBackend.connections | default dict }}
{{- $engine := include "mlflow.engine" . }}
{{- if $engine }}
{{- $defaultPort := get (dict "postgres" "5432" "mysql" "3306" "mssql" "1433") $engine }}
host: {{ coalesce $c.host $c.db_host "" | quote }}
port: {{ coalesce $c.port $c.db_port $defaultPort | toString | quote }}
database: {{ coalesce $c.database $c.db_name "mlflow" | quote }}
username: {{ coalesce $c.username $c.db_user "mlflow" | quote }}
masterUser: {{ coalesce $c.db_master_user "" | quote }}
{{- end }}
{{- end }}

{{/* postgres, mysql, mssql, or empty for the file backend. */}}
{{- define "mlflow.engine" -}}
{{- $e := .Values.database.engine }}
{{- $c := .Values.mlflowBackend.connections | default dict }}
{{- $chosen := list }}
{{- if $e.postgres }}{{ $chosen = append $chosen "postgres" }}{{ end }}
{{- if $e.mysql }}{{ $chosen = append $chosen "mysql" }}{{ end }}
{{- if $e.mssql }}{{ $chosen = append $chosen "mssql" }}{{ end }}
{{- if gt (len $chosen) 1 }}
{{- fail (printf "database.engine: set only one of postgres, mysql, mssql (found %s)" (join ", " $chosen)) }}
{{- end }}
{{- if $chosen }}
{{- first $chosen }}
{{- else if or .Values.database.enabled $c.host $c.db_host }}
{{- "postgres" }}
{{- end }}
{{- end }}

{{- define "mlflow.dbScheme" -}}
{{- /* Explicit drivers: the image's `db` extra ships psycopg2, pymysql and pymssql; SQLAlchemy 2.1 reads a bare postgresql:// as psycopg 3. */}}
{{- get (dict "postgres" "postgresql+psycopg2" "mysql" "mysql+pymysql" "mssql" "mssql+pymssql") (include "mlflow.engine" .) }}
{{- end }}

{{- define "mlflow.createDatabase" -}}
{{- $c := .Values.mlflowBackend.connections | default dict }}
{{- if and (include "mlflow.engine" .) (or .Values.database.create.enabled $c.db_master_user) }}true{{ end }}
{{- end }}

{{- define "mlflow.storeSecretName" -}}
{{- default (printf "%s-store" (include "mlflow.fullname" .)) .Values.secrets.store.secretName }}
{{- end }}

{{/* The Secret and key that hold the database password, as YAML {name, key}. */}}
{{- define "mlflow.dbPasswordRef" -}}
{{- $b := .Values.mlflowBackend }}
{{- $c := $b.connections | default dict }}
{{- if $b.existingSecret }}
name: {{ $b.existingSecret }}
key: {{ $b.existingSecretPasswordKey }}
{{- else if .Values.secrets.store.enabled }}
name: {{ include "mlflow.storeSecretName" . }}
key: {{ $b.existingSecretPasswordKey }}
{{- else if $c.password }}
name: {{ include "mlflow.fullname" . }}-db
key: password
{{- else }}
{{- fail "mlflowBackend: a database backend needs its password: set mlflowBackend.existingSecret (a Secret with the password), secrets.store.enabled, or mlflowBackend.connections.password" }}
{{- end }}
{{- end }}

{{/* The Secret and key that hold the master user's password (database creation), as YAML. */}}
{{- define "mlflow.masterPasswordRef" -}}
{{- $create := .Values.database.create }}
{{- if $create.masterSecret }}
name: {{ $create.masterSecret }}
key: {{ $create.masterPasswordKey }}
{{- else if .Values.secrets.store.enabled }}
name: {{ include "mlflow.storeSecretName" . }}
key: {{ $create.masterPasswordKey }}
{{- else }}
{{- fail "database.create: creating the database needs the master password: set database.create.masterSecret or secrets.store.enabled" }}
{{- end }}
{{- end }}

{{/* The environment that tells the launcher how to reach the backend store. */}}
{{- define "mlflow.backendEnv" -}}
{{- if include "mlflow.engine" . }}
{{- $conn := include "mlflow.connection" . | fromYaml }}
{{- if not $conn.host }}
{{- fail "mlflowBackend.connections.host: a database backend needs the database host (or db_host)" }}
{{- end }}
{{- $password := include "mlflow.dbPasswordRef" . | fromYaml }}
{{- $b := .Values.mlflowBackend }}
- name: MLFLOW_DB_SCHEME
  value: {{ include "mlflow.dbScheme" . | quote }}
- name: MLFLOW_DB_HOST
  value: {{ $conn.host | quote }}
- name: MLFLOW_DB_PORT
  value: {{ $conn.port | quote }}
- name: MLFLOW_DB_NAME
  value: {{ $conn.database | quote }}
- name: MLFLOW_DB_USER
{{- if and $b.existingSecret $b.existingSecretUserKey }}
  valueFrom:
    secretKeyRef:
      name: {{ $b.existingSecret }}
      key: {{ $b.existingSecretUserKey }}
{{- else }}
  value: {{ $conn.username | quote }}
{{- end }}
- name: MLFLOW_DB_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ $password.name }}
      key: {{ $password.key }}
{{- with .Values.database.options }}
- name: MLFLOW_DB_OPTIONS
  value: {{ include "mlflow.queryString" . | quote }}
{{- end }}
{{- else }}
- name: MLFLOW_BACKEND_STORE_URI
  value: {{ printf "sqlite:///%s/mlflow.db" (default .Values.persistence.mountPath .Values.mlflowBackend.filepath | trimSuffix "/") | quote }}
{{- end }}
{{- end }}

{{- define "mlflow.queryString" -}}
{{- $pairs := list }}
{{- range $key, $value := . }}
{{- $pairs = append $pairs (printf "%s=%s" (urlquery $key) (urlquery (toString $value))) }}
{{- end }}
{{- join "&" $pairs }}
{{- end }}

{{/* Whether the server keeps data on its own volume: the file backend, artifacts it stores itself, or the login's users (mlflow.authOnVolume). */}}
{{- define "mlflow.needsVolume" -}}
{{- if or (not (include "mlflow.engine" .)) (not .Values.defaultArtifactRoot) (include "mlflow.authOnVolume" .) }}true{{ end }}
{{- end }}

{{- define "mlflow.claimName" -}}
{{- default (printf "%s-data" (include "mlflow.fullname" .)) .Values.persistence.existingClaim }}
{{- end }}

{{/* Host headers the server accepts (MLflow >= 3.5 rejects the others). */}}
{{- define "mlflow.allowedHosts" -}}
{{- $svc := include "mlflow.fullname" . }}
{{- $ns := .Release.Namespace }}
{{- $names := list "localhost" "127.0.0.1" $svc (printf "%s.%s" $svc $ns) (printf "%s.%s.svc" $svc $ns) (printf "%s.%s.svc.cluster.local" $svc $ns) }}
{{- if .Values.ingress.enabled }}
{{- range .Values.ingress.hosts }}
{{- if .host }}{{ $names = append $names .host }}{{ end }}
{{- end }}
{{- end }}
{{- $hosts := list }}
{{- range $names }}
{{- $hosts = append $hosts . }}
{{- $hosts = append $hosts (printf "%s:*" .) }}
{{- end }}
{{- /* Node and pod IPs of the private ranges, as MLflow allows by default (NodePort access). */}}
{{- $hosts = concat $hosts (list "10.*" "192.168.*") }}
{{- range $i := until 16 }}
{{- $hosts = append $hosts (printf "172.%d.*" (add 16 $i)) }}
{{- end }}
{{- $hosts = concat $hosts .Values.mlflow.allowedHosts }}
{{- join "," (uniq $hosts) }}
{{- end }}

{{/*
Origins whose pages may change data through the server (MLflow blocks other origins' POST/PUT/PATCH/DELETE;
localhost origins are always allowed): each ingress host (https when a TLS entry names it), then
mlflow.corsAllowedOrigins. Empty: MLflow's default (localhost only).
*/}}
{{- define "mlflow.corsAllowedOrigins" -}}
{{- $origins := list }}
{{- if .Values.ingress.enabled }}
{{- $tlsHosts := list }}
{{- range .Values.ingress.tls }}{{ $tlsHosts = concat $tlsHosts (.hosts | default list) }}{{ end }}
{{- range .Values.ingress.hosts }}
{{- if .host }}
{{- $origins = append $origins (printf "%s://%s" (ternary "https" "http" (has .host $tlsHosts)) .host) }}
{{- end }}
{{- end }}
{{- end }}
{{- $origins = concat $origins .Values.mlflow.corsAllowedOrigins }}
{{- join "," (uniq $origins) }}
{{- end }}

{{/*
Whether the login keeps its users in SQLite on the server's volume: with the file backend, and with MySQL/MariaDB,
where MLflow 3.16.1's user-database migrations cannot run (they name two foreign keys `fk_user_id`, and InnoDB
wants foreign key names unique in a database). PostgreSQL and SQL Server keep them in the backend's database.
*/}}
{{- define "mlflow.authOnVolume" -}}
{{- if and .Values.auth.enabled (has (include "mlflow.engine" .) (list "" "mysql")) }}true{{ end }}
{{- end }}

{{/* The login (auth.enabled): the environment the server and the migrations read (see files/launch.py). */}}
{{- define "mlflow.authEnv" -}}
{{- $auth := .Values.auth }}
{{- if not $auth.existingSecret }}
{{- fail "auth.existingSecret: the login needs a Secret holding the admin password and the Flask secret key" }}
{{- end }}
- name: MLFLOW_AUTH_CONFIG_PATH
  value: /tmp/basic_auth.ini
- name: MLFLOW_AUTH_ADMIN_USER
  value: {{ $auth.adminUser | quote }}
- name: MLFLOW_AUTH_DEFAULT_PERMISSION
  value: {{ $auth.defaultPermission | quote }}
- name: MLFLOW_AUTH_CACHE_TTL_SECONDS
  value: {{ $auth.credentialCacheSeconds | int | quote }}
{{- if include "mlflow.authOnVolume" . }}
- name: MLFLOW_AUTH_DATABASE_URI
  value: {{ printf "sqlite:///%s/basic_auth.db" (default .Values.persistence.mountPath .Values.mlflowBackend.filepath | trimSuffix "/") | quote }}
{{- end }}
{{- if not .migration }}
- name: MLFLOW_AUTH_ADMIN_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ $auth.existingSecret }}
      key: {{ $auth.adminPasswordKey }}
- name: MLFLOW_FLASK_SERVER_SECRET_KEY
  valueFrom:
    secretKeyRef:
      name: {{ $auth.existingSecret }}
      key: {{ $auth.flaskSecretKeyKey }}
{{- end }}
{{- end }}

{{/* `mlflow server` arguments. */}}
{{- define "mlflow.serverArgs" -}}
{{- $managed := list "host" "port" "backend-store-uri" "default-artifact-root" "artifacts-destination" "serve-artifacts" "no-serve-artifacts" "expose-prometheus" "allowed-hosts" "app-name" "cors-allowed-origins" "x-frame-options" }}
{{- /* MLflow refuses these next to --allowed-hosts (its security middleware), which the chart always sets. */}}
{{- $withoutHostCheck := list "gunicorn-opts" "waitress-opts" }}
- exec
- mlflow
- server
- --host=0.0.0.0
- --port={{ .Values.service.port }}
{{- if .Values.defaultArtifactRoot }}
{{- if .Values.artifacts.serve }}
- --serve-artifacts
- --artifacts-destination={{ .Values.defaultArtifactRoot }}
{{- else }}
- --no-serve-artifacts
- --default-artifact-root={{ .Values.defaultArtifactRoot }}
{{- end }}
{{- else }}
- --serve-artifacts
- --artifacts-destination={{ .Values.persistence.mountPath | trimSuffix "/" }}/artifacts
{{- end }}
{{- if .Values.prometheus.expose }}
- --expose-prometheus={{ .Values.prometheus.metricsPath }}
{{- end }}
- --allowed-hosts={{ include "mlflow.allowedHosts" . }}
{{- with include "mlflow.corsAllowedOrigins" . }}
- --cors-allowed-origins={{ . }}
{{- end }}
- --x-frame-options={{ .Values.mlflow.xFrameOptions }}
{{- if .Values.auth.enabled }}
- --app-name=basic-auth
{{- end }}
{{- range $key, $value := .Values.extraArgs }}
{{- if has ($key | trimPrefix "--") $managed }}
{{- fail (printf "extraArgs.%s: the chart sets --%s itself; use the chart's own values (service.port, defaultArtifactRoot, prometheus.expose, mlflow.allowedHosts, mlflow.corsAllowedOrigins, mlflow.xFrameOptions, auth.enabled, ...)" $key ($key | trimPrefix "--")) }}
{{- end }}
{{- if has ($key | trimPrefix "--") $withoutHostCheck }}
{{- fail (printf "extraArgs.%s: MLflow refuses --%s together with --allowed-hosts, which the chart sets to guard against DNS rebinding; use extraArgs.workers, or uvicorn-opts" $key ($key | trimPrefix "--")) }}
{{- end }}
{{- if kindIs "bool" $value }}
{{- if $value }}
- --{{ $key | trimPrefix "--" }}
{{- end }}
{{- else }}
- --{{ $key | trimPrefix "--" }}={{ $value }}
{{- end }}
{{- end }}
{{- end }}

{{/* The pod annotations of the Jobs: let them complete under Linkerd and Istio. */}}
{{- define "mlflow.jobPodAnnotations" -}}
{{- with .Values.jobs.podAnnotations }}
{{- toYaml . }}
{{- end }}
{{- end }}

{{/* The init container that waits for the database. $login: also wait until the MLflow user can log in. */}}
{{- define "mlflow.waitForDatabase" -}}
{{- $root := .root }}
- name: wait-for-database
  image: {{ include "mlflow.image" $root }}
  imagePullPolicy: {{ $root.Values.image.pullPolicy }}
  command: ["python", "-c", {{ include "mlflow.launcher" $root | quote }}, "wait"]
  env:
    {{- include "mlflow.backendEnv" $root | nindent 4 }}
    - name: MLFLOW_DB_WAIT_TIMEOUT
      value: {{ $root.Values.database.wait.timeoutSeconds | quote }}
    - name: MLFLOW_DB_WAIT_LOGIN
      value: {{ ternary "1" "0" (eq .login true) | quote }}
    - name: HOME
      value: /tmp
  securityContext:
    {{- toYaml $root.Values.securityContext | nindent 4 }}
  {{- with $root.Values.mlflow.initContainers.resources }}
  resources:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  volumeMounts:
    - name: tmp
      mountPath: /tmp
{{- end }}

{{- define "mlflow.secretsStoreVolume" -}}
- name: secrets-store
  csi:
    driver: secrets-store.csi.k8s.io
    readOnly: true
    volumeAttributes:
      secretProviderClass: {{ include "mlflow.fullname" . }}
{{- end }}

{{- define "mlflow.secretsStoreMount" -}}
- name: secrets-store
  mountPath: {{ .Values.secrets.store.mountPath }}
  readOnly: true
{{- end }}

{{/*
The TCP ports besides 443 that the release's pods connect to when networkPolicy.restrictEgress is on, as a YAML
list: the database's, an S3-compatible endpoint's (MinIO on 9000), then networkPolicy.egressPorts.
*/}}
{{- define "mlflow.egressPorts" -}}
{{- $ports := list }}
{{- if include "mlflow.engine" . }}
{{- $ports = append $ports ((include "mlflow.connection" . | fromYaml).port | int) }}
{{- end }}
{{- with .Values.artifacts.s3EndpointUrl }}
{{- $url := urlParse . }}
{{- $hostPort := splitList ":" $url.host }}
{{- if gt (len $hostPort) 1 }}
{{- $ports = append $ports (last $hostPort | int) }}
{{- else if eq $url.scheme "http" }}
{{- $ports = append $ports 80 }}
{{- end }}
{{- end }}
{{- range .Values.networkPolicy.egressPorts }}{{ $ports = append $ports (int .) }}{{ end }}
{{- without (uniq $ports) 443 | toYaml }}
{{- end }}
