// The stable sort of Go's `sort.SliceStable` (insertion sort on blocks of 20, then
// SymMerge), step for step. apimachinery orders merged lists with it and a comparator
// that is not a strict weak order when an element is missing from the order list, so
// only the same algorithm gives the same order as the apiserver in those cases.

enum GoStableSort {
    /// Sorts `items` in place exactly as Go's `sort.SliceStable(items, less)` would.
    static func sort<T>(_ items: inout [T], by less: (T, T) -> Bool) {
        let n = items.count
        var blockSize = 20
        var a = 0
        var b = blockSize
        while b <= n {
            insertionSort(&items, a, b, less)
            a = b
            b += blockSize
        }
        insertionSort(&items, a, n, less)
        while blockSize < n {
            a = 0
            b = 2 * blockSize
            while b <= n {
                symMerge(&items, a, a + blockSize, b, less)
                a = b
                b += 2 * blockSize
            }
            let m = a + blockSize
            if m < n { symMerge(&items, a, m, n, less) }
            blockSize *= 2
        }
    }

    private static func insertionSort<T>(_ data: inout [T], _ a: Int, _ b: Int, _ less: (T, T) -> Bool) {
        var i = a + 1
        while i < b {
            var j = i
            while j > a && less(data[j], data[j - 1]) {
                data.swapAt(j, j - 1)
                j -= 1
            }
            i += 1
        }
    }

    private static func symMerge<T>(_ data: inout [T], _ a: Int, _ m: Int, _ b: Int, _ less: (T, T) -> Bool) {
        if m - a == 1 {
            var i = m
            var j = b
            while i < j {
                let h = (i + j) >> 1
                if less(data[h], data[a]) { i = h + 1 } else { j = h }
            }
            var k = a
            while k < i - 1 {
                data.swapAt(k, k + 1)
                k += 1
            }
            return
        }
        if b - m == 1 {
            var i = a
            var j = m
            while i < j {
                let h = (i + j) >> 1
                if !less(data[m], data[h]) { i = h + 1 } else { j = h }
            }
            var k = m
            while k > i {
                data.swapAt(k, k - 1)
                k -= 1
            }
            return
        }
        let mid = (a + b) >> 1
        let n = mid + m
        var start: Int
        var r: Int
        if m > mid {
            start = n - b
            r = mid
        } else {
            start = a
            r = m
        }
        let p = n - 1
        while start < r {
            let c = (start + r) >> 1
            if !less(data[p - c], data[c]) { start = c + 1 } else { r = c }
        }
        let end = n - start
        if start < m && m < end { rotate(&data, start, m, end) }
        if a < start && start < mid { symMerge(&data, a, start, mid, less) }
        if mid < end && end < b { symMerge(&data, mid, end, b, less) }
    }

    private static func rotate<T>(_ data: inout [T], _ a: Int, _ m: Int, _ b: Int) {
        var i = m - a
        var j = b - m
        while i != j {
            if i > j {
                swapRange(&data, m - i, m, j)
                i -= j
            } else {
                swapRange(&data, m - i, m + j - i, i)
                j -= i
            }
        }
        swapRange(&data, m - i, m, i)
    }

    private static func swapRange<T>(_ data: inout [T], _ a: Int, _ b: Int, _ n: Int) {
        for i in 0..<n { data.swapAt(a + i, b + i) }
    }
}
