public import UnixSocketHTTP

/// The `api-version`s edged's management and workload sockets accept (the same enum for both). `2021-05-11` has an
/// OpenAPI file in the reference but its server rejects it, and so does this one.
public enum EdgeletAPIVersion {
    public static let v2018_06_28: APIVersion = "2018-06-28"
    public static let v2019_01_30: APIVersion = "2019-01-30"
    public static let v2019_10_22: APIVersion = "2019-10-22"
    public static let v2019_11_05: APIVersion = "2019-11-05"
    public static let v2020_07_07: APIVersion = "2020-07-07"
    public static let v2021_12_07: APIVersion = "2021-12-07"
    public static let v2022_08_03: APIVersion = "2022-08-03"

    /// Every accepted version, oldest first.
    public static let all: [APIVersion] = [v2018_06_28, v2019_01_30, v2019_10_22, v2019_11_05, v2020_07_07, v2021_12_07, v2022_08_03]

    /// The newest version: what edged puts into edgeAgent's `IOTEDGE_APIVERSION`.
    public static let latest = v2022_08_03

    /// What the `iotedge` CLI sends.
    public static let cli = v2020_07_07
}
