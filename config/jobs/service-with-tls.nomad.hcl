# service-with-tls: a service whose certificate is issued and renewed by a Vault Agent sidecar.
#
# Pattern: the "vault-agent" task runs for the whole life of the allocation (prestart sidecar).
# It logs in with the Vault token Nomad obtains for it through workload identity (the task's
# `vault` block, role "nomad-workloads"), then renders the certificate, the private key and
# the CA chain into the shared allocation directory (/alloc/tls), where the "app" task reads
# them. Vault Agent re-issues the certificate at 85-95 % of its lifetime.
#
# Two template languages meet here. Nomad renders the agent's configuration file with the
# delimiters [[ ]] (see left_delimiter/right_delimiter below), so the {{ }} actions inside it
# reach Vault Agent untouched and are evaluated by the agent, not by Nomad. Without the other
# delimiters Nomad would try to fetch the secret itself and the agent would get a rendered,
# never-renewed copy.
#
# Requirements:
#   - Nomad >= 1.10 with workload identity for Vault (servers: vault.default_identity with
#     aud = ["vault.io"]; clients: vault.jwt_auth_backend_path = "jwt-nomad").
#   - Vault: the PKI role pki-int/roles/nomad-job, the policy nomad-job-pki and the JWT role
#     jwt-nomad/role/nomad-workloads from config/desired-state.yaml.
#
# nomad-certd watches the certificate at alloc/tls/cert.pem (declared in desired-state.yaml).

variable "datacenters" {
  description = "Datacenters this job may run in."
  type        = list(string)
  default     = ["*"]
}

variable "vault_image" {
  description = "Vault image that provides the agent (the old \"vault\" image is deprecated)."
  type        = string
  default     = "hashicorp/vault:1.19"
}

job "service-with-tls" {
  datacenters = var.datacenters
  type        = "service"

  meta {
    certificate_issuer = "pki-int/issue/nomad-job"
  }

  group "web" {
    count = 1

    network {
      port "https" {
        to = 8443
      }
    }

    # Vault Agent: issues and renews the certificate for the whole group.
    task "vault-agent" {
      driver = "docker"

      lifecycle {
        hook    = "prestart"
        sidecar = true
      }

      # Workload identity (Nomad >= 1.10): Nomad logs in to auth/jwt-nomad with the task's
      # signed identity and role nomad-workloads, and writes the Vault token to
      # secrets/vault_token. No legacy `policies` list.
      vault {
        role        = "nomad-workloads"
        change_mode = "restart"
      }

      config {
        image = var.vault_image
        args  = ["agent", "-config=${NOMAD_TASK_DIR}/agent.hcl"]
      }

      env {
        # The image's entrypoint would otherwise try to set the mlock capability.
        SKIP_SETCAP = "true"
      }

      # The agent's configuration. Nomad evaluates only the [[ ]] actions (the Vault address
      # and the job name); everything between {{ }} is Vault Agent's own template language.
      template {
        destination     = "local/agent.hcl"
        left_delimiter  = "[["
        right_delimiter = "]]"
        change_mode     = "restart"
        data            = <<-EOH
          # Vault Agent configuration, rendered by Nomad for job [[ env "NOMAD_JOB_NAME" ]].
          vault {
            address = "[[ env "VAULT_ADDR" ]]"
          }

          # Reuse the token Nomad obtained through workload identity; Nomad renews it.
          auto_auth {
            method {
              type = "token_file"
              config = {
                token_file_path = "/secrets/vault_token"
              }
            }
          }

          template_config {
            exit_on_retry_failure = true
          }

          # The three identical `secret` calls share one issuance, so the certificate, the
          # key and the chain always belong together.
          template {
            destination = "/alloc/tls/cert.pem"
            perms       = "0644"
            contents    = <<-EOT
              {{- with secret "pki-int/issue/nomad-job" "common_name=[[ env "NOMAD_JOB_NAME" ]].service.consul" "ttl=24h" -}}
              {{ .Data.certificate }}
              {{- end }}
            EOT
          }

          template {
            destination = "/alloc/tls/key.pem"
            perms       = "0600"
            contents    = <<-EOT
              {{- with secret "pki-int/issue/nomad-job" "common_name=[[ env "NOMAD_JOB_NAME" ]].service.consul" "ttl=24h" -}}
              {{ .Data.private_key }}
              {{- end }}
            EOT
          }

          template {
            destination = "/alloc/tls/ca.pem"
            perms       = "0644"
            contents    = <<-EOT
              {{- with secret "pki-int/issue/nomad-job" "common_name=[[ env "NOMAD_JOB_NAME" ]].service.consul" "ttl=24h" -}}
              {{ range .Data.ca_chain }}{{ . }}
              {{ end }}
              {{- end }}
            EOT
          }
        EOH
      }

      resources {
        cpu    = 50
        memory = 64
      }
    }

    # The application: presents /alloc/tls/cert.pem as its client certificate (the role issues
    # clientAuth certificates) and must re-read the files when Vault Agent replaces them.
    task "app" {
      driver = "docker"

      config {
        image   = "alpine:3.20"
        command = "/bin/sh"
        args    = ["-c", "while sleep 3600; do ls -l ${NOMAD_ALLOC_DIR}/tls; done"]
        ports   = ["https"]
      }

      env {
        TLS_CERT_FILE = "${NOMAD_ALLOC_DIR}/tls/cert.pem"
        TLS_KEY_FILE  = "${NOMAD_ALLOC_DIR}/tls/key.pem"
        TLS_CA_FILE   = "${NOMAD_ALLOC_DIR}/tls/ca.pem"
      }

      resources {
        cpu    = 100
        memory = 128
      }
    }
  }
}
