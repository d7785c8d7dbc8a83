{{- define "widget-gateway.name" -}}
{{- .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "widget-gateway.fullname" -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "widget-gateway.labels" -}}
app.kubernetes.io/name: {{ include "widget-gateway.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
{{- end -}}

{{- define "widget-gateway.selector" -}}
app.kubernetes.io/name: {{ include "widget-gateway.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}
