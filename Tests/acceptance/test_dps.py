"""The emulator's Device Provisioning Service, driven as identityd drives DPS (REST with `requests`, api-version
2021-06-01, SAS tokens with a lower-cased audience and skn=registration, or mutual TLS), then the assigned identity
used with the official device SDK; and module identities managed with the device's own token, as identityd does.
"""
import base64
import hashlib
import hmac
import os
import subprocess
import time
import urllib.parse

import requests
from azure.iot.device import IoTHubDeviceClient, IoTHubModuleClient, X509

from conftest import DPS, HUB

API = "api-version=2021-06-01"
MODULE_API = "api-version=2017-11-08-preview"


def derive_device_key(group_key, registration_id):
    mac = hmac.new(base64.b64decode(group_key), registration_id.encode(), hashlib.sha256).digest()
    return base64.b64encode(mac).decode()


def sas_token(audience, key, key_name=None, lifetime=30):
    """A SAS token as identityd makes it: audience lower-cased and percent-encoded, signed over "sr\\nse"."""
    resource = urllib.parse.quote(audience.lower(), safe="")
    expiry = str(int(time.time()) + lifetime)
    signature = hmac.new(base64.b64decode(key), f"{resource}\n{expiry}".encode(), hashlib.sha256).digest()
    token = f"SharedAccessSignature sr={resource}&sig={urllib.parse.quote(base64.b64encode(signature).decode(), safe='')}&se={expiry}"
    return token + (f"&skn={key_name}" if key_name else "")


def register(emulator, scope, registration_id, payload=None, key=None, cert=None):
    """PUT …/register then polls the operation (at most 15 s); returns the final operation JSON."""
    def headers():
        return {"Authorization": sas_token(f"{scope}/registrations/{registration_id}", key, "registration")} if key else {}

    body = {"registrationId": registration_id}
    if payload is not None:
        body["payload"] = payload
    base = f"https://{DPS}/{scope}/registrations/{registration_id}"
    response = requests.put(f"{base}/register?{API}", json=body, headers=headers(), cert=cert, verify=emulator.ca_path, timeout=30)
    assert response.status_code == 202, response.text
    operation_id = response.json()["operationId"]
    assert response.json()["status"] == "assigning"
    deadline = time.time() + 15
    while True:
        status = requests.get(f"{base}/operations/{operation_id}?{API}", headers=headers(), cert=cert, verify=emulator.ca_path, timeout=30)
        assert status.status_code in (200, 202), status.text
        if status.json()["status"] != "assigning" or time.time() > deadline:
            return status.json()
        time.sleep(0.2)


def test_group_symmetric_key_edge_device(emulator, registry_manager):
    info = emulator.cli_json("dps", "show")
    scope = info["idScope"]
    assert info["globalEndpoint"] == f"https://{DPS}"
    group = emulator.cli_json(
        "dps", "enrollment-group", "create", "--group-id", "edge-fleet", "--attestation", "symmetric-key", "--edge",
        "--initial-twin", '{"tags":{"site":"lab"},"properties":{"desired":{"interval":15}}}',
    )
    device_key = derive_device_key(group["attestation"]["symmetricKey"]["primaryKey"], "edge-0042")
    computed = emulator.cli("dps", "enrollment-group", "compute-device-key", "--group-id", "edge-fleet", "--registration-id", "edge-0042")
    assert computed.strip() == device_key

    operation = register(emulator, scope, "edge-0042", payload={"modelId": "dtmi:lab:edge;1", "shelf": [1, 2]}, key=device_key)
    assert operation["status"] == "assigned"
    state = operation["registrationState"]
    assert state["assignedHub"] == HUB
    assert state["deviceId"] == "edge-0042"
    assert state["registrationId"] == "edge-0042"
    assert state["status"] == "assigned"
    assert state["payload"] == {"modelId": "dtmi:lab:edge;1", "shelf": [1, 2]}
    assert state["symmetricKey"]["enrollmentGroupId"] == "edge-fleet"

    device = registry_manager.get_device("edge-0042")
    assert device.capabilities.iot_edge is True
    assert device.authentication.symmetric_key.primary_key == device_key

    client = IoTHubDeviceClient.create_from_symmetric_key(
        symmetric_key=device_key, hostname=state["assignedHub"], device_id=state["deviceId"], server_verification_cert=emulator.ca
    )
    client.connect()
    try:
        twin = client.get_twin()
        assert twin["desired"]["interval"] == 15
        client.patch_twin_reported_properties({"provisioned": True})
    finally:
        client.shutdown()
    assert registry_manager.get_twin("edge-0042").properties.reported["provisioned"] is True


def test_device_token_manages_own_modules(emulator, registry_manager):
    scope = emulator.cli_json("dps", "show")["idScope"]
    enrollment = emulator.cli_json("dps", "enrollment", "create", "--registration-id", "gw-1", "--attestation", "symmetric-key", "--edge")
    device_key = enrollment["attestation"]["symmetricKey"]["primaryKey"]
    assert register(emulator, scope, "gw-1", key=device_key)["status"] == "assigned"
    emulator.create_device("someone-else")

    def call(method, path, device="gw-1", key=device_key, **kwargs):
        headers = {"Authorization": sas_token(f"{HUB}/devices/{device}", key), **kwargs.pop("headers", {})}
        return requests.request(method, f"https://{HUB}{path}", headers=headers, verify=emulator.ca_path, timeout=30, **kwargs)

    created = call("PUT", f"/devices/gw-1/modules/sensor?{MODULE_API}", json={"moduleId": "sensor", "deviceId": "gw-1"})
    assert created.status_code == 200, created.text
    assert created.json()["generationId"]
    primary = base64.b64encode(os.urandom(32)).decode()
    secondary = base64.b64encode(os.urandom(32)).decode()
    updated = call(
        "PUT", f"/devices/gw-1/modules/sensor?{MODULE_API}", headers={"If-Match": "*"},
        json={"moduleId": "sensor", "deviceId": "gw-1", "authentication": {"type": "sas", "symmetricKey": {"primaryKey": primary, "secondaryKey": secondary}}},
    )
    assert updated.status_code == 200, updated.text
    module = registry_manager.get_module("gw-1", "sensor")
    assert module.authentication.symmetric_key.primary_key == primary
    assert module.authentication.symmetric_key.secondary_key == secondary
    listed = call("GET", f"/devices/gw-1/modules?{MODULE_API}")
    assert listed.status_code == 200
    assert "sensor" in [m["moduleId"] for m in listed.json()]

    module_client = IoTHubModuleClient.create_from_connection_string(
        f"HostName={HUB};DeviceId=gw-1;ModuleId=sensor;SharedAccessKey={primary}", server_verification_cert=emulator.ca
    )
    module_client.connect()
    try:
        assert module_client.get_twin()["desired"]["$version"] == 1
    finally:
        module_client.shutdown()

    assert call("GET", f"/devices/someone-else/modules?{MODULE_API}").status_code == 401
    assert call("GET", f"/devices/gw-1?{MODULE_API}").status_code == 401
    assert call("GET", f"/twins/gw-1?{MODULE_API}").status_code == 401
    assert call("GET", f"/devices/gw-1/modules?{MODULE_API}", key=base64.b64encode(os.urandom(32)).decode()).status_code == 401
    deleted = call("DELETE", f"/devices/gw-1/modules/sensor?{MODULE_API}", headers={"If-Match": "*"})
    assert deleted.status_code == 204
    assert call("GET", f"/devices/gw-1/modules/sensor?{MODULE_API}").status_code == 404


def test_x509_group_device(emulator, tmp_path):
    def openssl(*args):
        subprocess.run(["openssl", *args], check=True, capture_output=True)

    ca_key, ca_cert = tmp_path / "ca.key", tmp_path / "ca.pem"
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", ca_key, "-out", ca_cert,
            "-days", "30", "-subj", "/CN=Fleet CA", "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    key, csr, cert = tmp_path / "cam.key", tmp_path / "cam.csr", tmp_path / "cam.pem"
    openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-out", csr, "-subj", "/CN=cam-77")
    extensions = tmp_path / "client.ext"
    extensions.write_text("basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n")
    openssl("x509", "-req", "-in", csr, "-CA", ca_cert, "-CAkey", ca_key, "-CAcreateserial", "-out", cert, "-days", "30", "-extfile", extensions)

    scope = emulator.cli_json("dps", "show")["idScope"]
    group = emulator.cli_json("dps", "enrollment-group", "create", "--group-id", "cameras", "--attestation", "x509", "--ca-certificate", str(ca_cert))
    assert group["attestation"]["x509"]["signingCertificates"]["primary"]["info"]["subjectName"] == "CN=Fleet CA"

    operation = register(emulator, scope, "cam-77", cert=(str(cert), str(key)))
    assert operation["status"] == "assigned"
    assert operation["registrationState"]["x509"]["enrollmentGroupId"] == "cameras"

    client = IoTHubDeviceClient.create_from_x509_certificate(
        x509=X509(cert_file=str(cert), key_file=str(key)), hostname=HUB, device_id="cam-77", server_verification_cert=emulator.ca
    )
    client.connect()
    try:
        client.patch_twin_reported_properties({"lens": "wide"})
        assert client.get_twin()["reported"]["lens"] == "wide"
    finally:
        client.shutdown()


def test_refusals_and_restart(emulator):
    scope = emulator.cli_json("dps", "show")["idScope"]
    enrollment = emulator.cli_json("dps", "enrollment", "create", "--registration-id", "dev-1", "--device-id", "device-one", "--attestation", "symmetric-key")
    key = enrollment["attestation"]["symmetricKey"]["primaryKey"]
    url = f"https://{DPS}/{scope}/registrations/dev-1/register?{API}"

    wrong_key = base64.b64encode(os.urandom(32)).decode()
    refused = requests.put(url, json={"registrationId": "dev-1"}, verify=emulator.ca_path, timeout=30,
                           headers={"Authorization": sas_token(f"{scope}/registrations/dev-1", wrong_key, "registration")})
    assert refused.status_code == 401
    assert refused.json()["errorCode"] == 401002
    assert refused.json()["trackingId"]
    wrong_scope = requests.put(f"https://{DPS}/0ne99999999/registrations/dev-1/register?{API}", json={"registrationId": "dev-1"},
                               verify=emulator.ca_path, timeout=30,
                               headers={"Authorization": sas_token("0ne99999999/registrations/dev-1", key, "registration")})
    assert wrong_scope.status_code == 401
    anonymous = requests.put(url, json={"registrationId": "dev-1"}, verify=emulator.ca_path, timeout=30)
    assert anonymous.status_code == 401

    emulator.cli("dps", "enrollment", "create", "--registration-id", "dev-1", "--device-id", "device-one",
                 "--attestation", "symmetric-key", "--primary-key", key, "--provisioning-status", "disabled")
    disabled = requests.put(url, json={"registrationId": "dev-1"}, verify=emulator.ca_path, timeout=30,
                            headers={"Authorization": sas_token(f"{scope}/registrations/dev-1", key, "registration")})
    assert disabled.status_code == 401

    emulator.cli("dps", "enrollment", "create", "--registration-id", "dev-1", "--device-id", "device-one", "--attestation", "symmetric-key", "--primary-key", key)
    emulator.restart()
    assert [e["registrationId"] for e in emulator.cli_json("dps", "enrollment", "list")] == ["dev-1"]
    operation = register(emulator, scope, "dev-1", key=key)
    assert operation["registrationState"]["deviceId"] == "device-one"
    emulator.cli("dps", "enrollment", "delete", "--registration-id", "dev-1")
    assert emulator.cli_json("dps", "enrollment", "list") == []
