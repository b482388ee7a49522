"""An aziot device for the acceptance tests: `aziotctl config apply` writes the services' configs from a super-config
into a temporary folder (through the documented environment overrides), a test drop-in points every service at
temporary sockets and home folders, and `aziotd` runs keyd, certd and identityd as three separate processes.
"""
import base64
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.parse

AZIOTD = os.environ["AZIOTD_BIN"]
AZIOTCTL = os.environ["AZIOTCTL_BIN"]
SERVICES = ("keyd", "certd", "identityd")


class UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, path):
        super().__init__("localhost", timeout=60)
        self.path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(60)
        self.sock.connect(self.path)


class AziotDevice:
    def __init__(self, emulator):
        self.emulator = emulator
        self.root = tempfile.mkdtemp(prefix="aziot-device-")
        self.processes = {}
        for service in SERVICES + ("tpmd",):
            os.makedirs(self.config_dir(service), exist_ok=True)
        os.makedirs(os.path.join(self.root, "run"), exist_ok=True)

    def config_dir(self, service):
        return os.path.join(self.root, "etc", service, "config.d")

    def socket(self, service):
        return os.path.join(self.root, "run", f"{service}.sock")

    def home(self, service):
        return os.path.join(self.root, "var", service)

    def environment(self):
        env = dict(os.environ)
        for service in SERVICES + ("tpmd",):
            env[f"AZIOT_{service.upper()}_CONFIG"] = os.path.join(self.root, "etc", service, "config.toml")
            env[f"AZIOT_{service.upper()}_CONFIG_DIR"] = self.config_dir(service)
        env["AZIOT_SECRETS_DIR"] = os.path.join(self.root, "secrets")
        env["AZIOT_CS_UID"] = "0"
        env["AZIOT_ID_UID"] = "0"
        env["AZIOTCTL_SYSTEMD_MARKER"] = os.path.join(self.root, "no-systemd")
        env["AZIOT_IDENTITYD_SOCKET"] = self.socket("identityd")
        env["AZIOT_IDENTITYD_TRUSTED_CA"] = self.emulator.ca_path
        env["AZIOT_CONFIG_DEBOUNCE_MS"] = "500"
        return env

    def apply(self, super_config):
        """Writes /etc/aziot/config.toml's stand-in and runs `aziotctl config apply`; returns its output."""
        path = os.path.join(self.root, "config.toml")
        with open(path, "w") as f:
            f.write(super_config)
        os.chmod(path, 0o600)
        result = subprocess.run([AZIOTCTL, "config", "apply", "-c", path], env=self.environment(), capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stderr + result.stdout
        self.write_test_drop_ins()
        return result.stdout

    def write_test_drop_ins(self):
        """Sockets and home folders inside the test folder (the generated files name /run/aziot and /var/lib/aziot)."""
        endpoints = (
            f'aziot_keyd = "unix://{self.socket("keyd")}"\n'
        )
        drop_ins = {
            "keyd": f'[aziot_keys]\nhomedir_path = "{self.home("keyd")}"\n\n[endpoints]\n{endpoints}',
            "certd": f'homedir_path = "{self.home("certd")}"\n\n[endpoints]\n{endpoints}aziot_certd = "unix://{self.socket("certd")}"\n',
            "identityd": (
                f'homedir = "{self.home("identityd")}"\n\n[endpoints]\n{endpoints}'
                f'aziot_certd = "unix://{self.socket("certd")}"\naziot_identityd = "unix://{self.socket("identityd")}"\n'
            ),
        }
        for service, text in drop_ins.items():
            with open(os.path.join(self.config_dir(service), "90-test.toml"), "w") as f:
                f.write(text)

    def start(self, service, wait=True):
        log = open(self.log_path(service), "a")
        process = subprocess.Popen([AZIOTD, service], env=self.environment(), stdout=log, stderr=subprocess.STDOUT)
        self.processes[service] = process
        if not wait:
            return process
        deadline = time.time() + 60
        while time.time() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"aziotd {service} exited {process.returncode}: {self.log(service)[-3000:]}")
            if os.path.exists(self.socket(service)) and "Starting server..." in self.log(service):
                return process
            time.sleep(0.05)
        raise RuntimeError(f"aziotd {service} did not start: {self.log(service)[-3000:]}")

    def start_all(self):
        for service in SERVICES:
            self.start(service)

    def stop(self, service):
        process = self.processes.pop(service, None)
        if process and process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def shutdown(self):
        for service in list(self.processes):
            self.stop(service)
        shutil.rmtree(self.root, ignore_errors=True)

    def log_path(self, service):
        return os.path.join(self.root, f"{service}.log")

    def log(self, service):
        with open(self.log_path(service)) as f:
            return f.read()

    def call(self, service, method, path, body=None, api_version="2020-09-01"):
        """One request on a service's socket; returns (status, parsed JSON or None)."""
        connection = UnixHTTPConnection(self.socket(service))
        separator = "&" if "?" in path else "?"
        headers = {"Content-Type": "application/json"} if body is not None else {}
        connection.request(method, f"{path}{separator}api-version={api_version}", body=json.dumps(body) if body is not None else None, headers=headers)
        response = connection.getresponse()
        data = response.read()
        connection.close()
        return response.status, (json.loads(data) if data else None)

    def sign(self, key_handle, message):
        """HMAC-SHA256 by keyd with a key handle (what every IoT Edge module's SAS token goes through)."""
        status, body = self.call(
            "keyd", "POST", "/sign",
            {"keyHandle": key_handle, "algorithm": "HMAC-SHA256", "parameters": {"message": base64.b64encode(message.encode()).decode()}},
            api_version="2021-05-01",
        )
        assert status == 200, body
        return body["signature"]

    def sas_token(self, spec, lifetime=3600):
        """The SAS token an agent builds from an identity (§4.10): resource, expiry, signature by keyd."""
        resource = f"{spec['hubName']}/devices/{spec['deviceId']}"
        if spec.get("moduleId"):
            resource += f"/modules/{spec['moduleId']}"
        encoded = urllib.parse.quote(resource, safe="")
        expiry = int(time.time()) + lifetime
        signature = self.sign(spec["auth"]["keyHandle"], f"{encoded}\n{expiry}")
        return f"SharedAccessSignature sr={encoded}&sig={urllib.parse.quote(signature, safe='')}&se={expiry}"
