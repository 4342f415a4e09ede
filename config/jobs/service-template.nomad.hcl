# service-template: a service whose certificate is issued by Nomad's own template stanzas.
#
# Pattern: the task's `vault` block gives it a Vault token through workload identity (role
# nomad-workloads); three `template` blocks fetch one certificate from pki-int/issue/nomad-job
# and write it into the task's secrets/ directory (tmpfs, never readable through the fs API):
#   secrets/cert.pem  certificate        perms 0644
#   secrets/key.pem   private key        perms 0600
#   secrets/ca.pem    issuing CA chain   perms 0644
# The common name is <job name>.service.consul, taken from NOMAD_JOB_NAME at render time; the
# TTL is 24h. Nomad re-issues the certificate at 85-95 % of its lifetime and then sends SIGHUP
# (change_mode "signal"), which makes nginx reload its configuration and certificates without
# dropping connections.
#
# The three `secret` calls are written identically on purpose: consul-template then makes one
# request, so certificate, key and chain always belong together.
#
# nomad-certd watches secrets/cert.pem of task "proxy" (declared in desired-state.yaml).

job "service-template" {
  datacenters = ["*"]
  type        = "service"

  group "proxy" {
    count = 2

    network {
      port "http" {
        to = 8080
      }
    }

    task "proxy" {
      driver = "docker"

      config {
        image = "nginx:1.27-alpine"
        ports = ["http"]
        volumes = [
          "local/nginx.conf:/etc/nginx/conf.d/default.conf",
        ]
      }

      # Workload identity (Nomad >= 1.10): no legacy policies, only the Vault role.
      vault {
        role = "nomad-workloads"
      }

      # The identity Nomad signs for Vault. Servers inject the same block from
      # vault.default_identity when a job leaves it out; it is written here so the
      # audience and lifetime are visible next to the job.
      identity {
        name = "vault_default"
        aud  = ["vault.io"]
        ttl  = "1h"
      }

      template {
        destination   = "secrets/cert.pem"
        perms         = "0644"
        change_mode   = "signal"
        change_signal = "SIGHUP"
        data          = <<-EOT
          {{- with secret "pki-int/issue/nomad-job" (printf "common_name=%s.service.consul" (env "NOMAD_JOB_NAME")) "ttl=24h" -}}
          {{ .Data.certificate }}
          {{- end }}
        EOT
      }

      template {
        destination   = "secrets/key.pem"
        perms         = "0600"
        change_mode   = "signal"
        change_signal = "SIGHUP"
        data          = <<-EOT
          {{- with secret "pki-int/issue/nomad-job" (printf "common_name=%s.service.consul" (env "NOMAD_JOB_NAME")) "ttl=24h" -}}
          {{ .Data.private_key }}
          {{- end }}
        EOT
      }

      template {
        destination   = "secrets/ca.pem"
        perms         = "0644"
        change_mode   = "signal"
        change_signal = "SIGHUP"
        data          = <<-EOT
          {{- with secret "pki-int/issue/nomad-job" (printf "common_name=%s.service.consul" (env "NOMAD_JOB_NAME")) "ttl=24h" -}}
          {{ range .Data.ca_chain }}{{ . }}
          {{ end }}
          {{- end }}
        EOT
      }

      # nginx forwards to the upstream over mutual TLS, presenting the workload certificate
      # (the role issues clientAuth certificates). No Vault data here, so the default
      # delimiters are fine; nginx's own $variables are not HCL interpolations.
      template {
        destination   = "local/nginx.conf"
        change_mode   = "signal"
        change_signal = "SIGHUP"
        data          = <<-EOT
          server {
            listen 8080;
            location / {
              proxy_pass                    https://orders.service.consul:8443;
              proxy_ssl_certificate         /secrets/cert.pem;
              proxy_ssl_certificate_key     /secrets/key.pem;
              proxy_ssl_trusted_certificate /secrets/ca.pem;
              proxy_ssl_verify              on;
              proxy_set_header Host $host;
            }
          }
        EOT
      }

      resources {
        cpu    = 100
        memory = 64
      }
    }
  }
}
