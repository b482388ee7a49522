#!/usr/bin/env python3
"""Regenerates sas-vectors.json: independent SAS token vectors for IoTHubProtocolTests.

Uses only the Python standard library, the way the Azure IoT SDKs compute tokens:
  sr  = quote(resource, safe='')            (identities: quote(f"{host}/devices/{quote(d, safe='')}..."))
  sig = base64(HMAC-SHA256(b64decode(key), (sr + "\n" + se).encode()))
Run: python3 generate_sas_vectors.py > sas-vectors.json
"""
import base64
import hashlib
import hmac
import json
import random
from urllib.parse import quote


def sign(key_b64, encoded_resource, expiry):
    message = (encoded_resource + "\n" + str(expiry)).encode("utf-8")
    digest = hmac.new(base64.b64decode(key_b64), message, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def vector(name, key, raw_resource, expiry, key_name=None, host=None, device=None, module=None):
    encoded = quote(raw_resource, safe="")
    signature = sign(key, encoded, expiry)
    token = f"SharedAccessSignature sr={encoded}&sig={quote(signature, safe='')}&se={expiry}"
    if key_name is not None:
        token += f"&skn={quote(key_name, safe='')}"
    return {
        "name": name,
        "key": key,
        "rawResource": raw_resource,
        "encodedResource": encoded,
        "expiry": expiry,
        "keyName": key_name,
        "stringToSign": encoded + "\n" + str(expiry),
        "signature": signature,
        "token": token,
        "hostName": host,
        "deviceId": device,
        "moduleId": module,
    }


def identity(name, key, host, device, module, expiry):
    raw = f"{host}/devices/{quote(device, safe='')}"
    if module is not None:
        raw += f"/modules/{quote(module, safe='')}"
    return vector(name, key, raw, expiry, None, host, device, module)


spec_key = base64.b64encode(b"0123456789abcdef0123456789abcdef").decode()
rng = random.Random(20240611)
vectors = [
    identity("spec device dev1 on localhost", spec_key, "localhost", "dev1", None, 1700003600),
    identity("spec module edgedev1/modA", spec_key, "myhub.azure-devices.net", "edgedev1", "modA", 1795292912),
    identity("odd device id characters", spec_key, "myhub.azure-devices.net", "dev-1.a:b%c_d*e?f!g(h)i,j=k@l;m$n'o", None, 1795292912),
    identity("odd module id characters", spec_key, "hub.example", "edge:device", "mod$edgeHub", 4102444800),
    identity("unicode device id", spec_key, "hub.example", "gerät-ü-日本", None, 1),
    identity("edgeHub module", spec_key, "h.azure-devices.net", "edge1", "$edgeHub", 18446744073709551615),
    vector("service policy with skn", spec_key, "myhub.azure-devices.net", 1795292912, "iothubowner"),
    vector("device token with policy skn", spec_key, "myhub.azure-devices.net/devices/dev1", 1795292912, "device policy&x"),
]
for size in (16, 32, 48, 64):
    key = base64.b64encode(bytes(rng.getrandbits(8) for _ in range(size))).decode()
    expiry = rng.randrange(1_600_000_000, 2_000_000_000)
    vectors.append(identity(f"random {size}-byte key", key, f"hub{size}.azure-devices.net", f"device{size}", None, expiry))
    vectors.append(identity(f"random {size}-byte key, module", key, f"hub{size}.azure-devices.net", f"device{size}", f"module-{size}", expiry))

print(json.dumps({"generator": "generate_sas_vectors.py", "vectors": vectors}, indent=2, ensure_ascii=False))
