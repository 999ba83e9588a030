import KubeModel

/// storage.k8s.io/v1 defaulting: `SetDefaults_StorageClass` and `SetDefaults_CSIDriver` of
/// k8s.io/kubernetes `pkg/apis/storage/v1/defaults.go`, and the inline persistent volume
/// of a VolumeAttachment (Kubernetes 1.32, `SELinuxMountReadWriteOncePod` on).
enum StorageDefaults {
    /// Defaults an object of the storage.k8s.io/v1 resource `resource`.
    static func apply(_ object: inout JSONValue, resource: String) {
        switch resource {
        case "storageclasses":
            object.defaultPointer("reclaimPolicy", "Delete")
            object.defaultPointer("volumeBindingMode", "Immediate")
        case "csidrivers":
            object.edit("spec", create: true) { spec in
                spec.defaultPointer("attachRequired", true)
                spec.defaultPointer("podInfoOnMount", false)
                spec.defaultPointer("storageCapacity", false)
                spec.defaultPointer("fsGroupPolicy", "ReadWriteOnceWithFSType")
                if spec.isEmptyCollection("volumeLifecycleModes") { spec["volumeLifecycleModes"] = ["Persistent"] }
                spec.defaultPointer("requiresRepublish", false)
                spec.defaultPointer("seLinuxMount", false)
            }
        case "volumeattachments":
            object.edit("spec", create: true) { spec in
                spec.edit("source", create: true) { source in
                    source.edit("inlineVolumeSpec", create: false) { CoreDefaults.persistentVolumeSource(&$0) }
                }
            }
        default:
            break
        }
    }
}
