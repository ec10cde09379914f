package datatypes

import (
	"sort"
	"unsafe"
)

// ztree is an order-statistic B+tree of ZItems: the order of a big sorted
// set. Leaves hold sorted items and are linked both ways for range walks;
// inner nodes hold, per child, the size of its subtree (so rank, select by
// rank, insert and delete are all O(log n)) and a separator key. Items are
// unique (a member appears once) and compared by zless.
//
// It takes about 24 bytes per item in full leaves (a member's string header
// shares the Dict's bytes) against a skiplist's ~60, which is how a big
// sorted set stays within Redis's memory per member.
type ztree struct {
	root           *znode
	n              int
	leaves, inners int
}

// znode is a leaf (kids == nil) or an inner node.
//
// In an inner node, keys[i] (i > 0) is <= every item under kids[i] and >
// every item under kids[i-1]; keys[0] is unused. A separator stays valid
// when the item it was copied from is deleted, so deletes never update
// them.
type znode struct {
	items      []ZItem  // leaf: sorted
	kids       []*znode // inner
	keys       []ZItem  // inner: separators
	cnt        []int    // inner: items under each kid
	prev, next *znode   // leaf chain
}

const (
	leafMax  = 64
	leafMin  = leafMax / 4
	innerMax = 64
	innerMin = innerMax / 4

	leafBytes  = int64(unsafe.Sizeof(znode{})) + (leafMax+1)*zitemSize
	innerBytes = int64(unsafe.Sizeof(znode{})) + (innerMax+1)*(8+zitemSize+8)
)

func (t *ztree) newLeaf() *znode {
	t.leaves++
	return &znode{items: make([]ZItem, 0, leafMax+1)}
}

func (t *ztree) newInner() *znode {
	t.inners++
	return &znode{
		kids: make([]*znode, 0, innerMax+1),
		keys: make([]ZItem, 0, innerMax+1),
		cnt:  make([]int, 0, innerMax+1),
	}
}

// bytes is the memory the nodes take.
func (t *ztree) bytes() int64 {
	return int64(t.leaves)*leafBytes + int64(t.inners)*innerBytes
}

func (nd *znode) size() int {
	if nd.kids == nil {
		return len(nd.items)
	}
	s := 0
	for _, c := range nd.cnt {
		s += c
	}
	return s
}

// child is the index of the kid whose subtree it belongs to.
func (nd *znode) child(it ZItem) int {
	j := sort.Search(len(nd.keys)-1, func(j int) bool { return zless(it, nd.keys[j+1]) })
	return j
}

// leafPos is the index of the first item of a leaf not below it.
func (nd *znode) leafPos(it ZItem) int {
	return sort.Search(len(nd.items), func(i int) bool { return !zless(nd.items[i], it) })
}

// insert adds it, which must be absent.
func (t *ztree) insert(it ZItem) {
	if t.root == nil {
		t.root = t.newLeaf()
	}
	if right, sep := t.insertIn(t.root, it); right != nil {
		left := t.root
		r := t.newInner()
		r.kids = append(r.kids, left, right)
		r.keys = append(r.keys, ZItem{}, sep)
		r.cnt = append(r.cnt, left.size(), right.size())
		t.root = r
	}
	t.n++
}

// insertIn adds it under nd; when nd splits it returns the new right
// sibling and its separator.
func (t *ztree) insertIn(nd *znode, it ZItem) (*znode, ZItem) {
	if nd.kids == nil {
		i := nd.leafPos(it)
		nd.items = append(nd.items, ZItem{})
		copy(nd.items[i+1:], nd.items[i:])
		nd.items[i] = it
		if len(nd.items) <= leafMax {
			return nil, ZItem{}
		}
		// Split in half, except at the ends of the tree: sets filled in
		// order then keep full leaves.
		mid := len(nd.items) / 2
		if i == leafMax && nd.next == nil {
			mid = leafMax
		} else if i == 0 && nd.prev == nil {
			mid = 1
		}
		r := t.newLeaf()
		r.items = append(r.items, nd.items[mid:]...)
		clear(nd.items[mid:])
		nd.items = nd.items[:mid]
		r.next, r.prev = nd.next, nd
		if nd.next != nil {
			nd.next.prev = r
		}
		nd.next = r
		return r, r.items[0]
	}
	i := nd.child(it)
	nd.cnt[i]++
	right, sep := t.insertIn(nd.kids[i], it)
	if right == nil {
		return nil, ZItem{}
	}
	nd.cnt[i] -= right.size()
	nd.kids = append(nd.kids, nil)
	copy(nd.kids[i+2:], nd.kids[i+1:])
	nd.kids[i+1] = right
	nd.keys = append(nd.keys, ZItem{})
	copy(nd.keys[i+2:], nd.keys[i+1:])
	nd.keys[i+1] = sep
	nd.cnt = append(nd.cnt, 0)
	copy(nd.cnt[i+2:], nd.cnt[i+1:])
	nd.cnt[i+1] = right.size()
	if len(nd.kids) <= innerMax {
		return nil, ZItem{}
	}
	mid := len(nd.kids) / 2
	r := t.newInner()
	r.kids = append(r.kids, nd.kids[mid:]...)
	r.keys = append(r.keys, nd.keys[mid:]...)
	r.cnt = append(r.cnt, nd.cnt[mid:]...)
	up := r.keys[0]
	r.keys[0] = ZItem{}
	clear(nd.kids[mid:])
	clear(nd.keys[mid:])
	nd.kids, nd.keys, nd.cnt = nd.kids[:mid], nd.keys[:mid], nd.cnt[:mid]
	return r, up
}

// remove deletes it, which must be present, and returns the member string
// as stored.
func (t *ztree) remove(it ZItem) string {
	return t.removeBy(func(nd *znode) int { return nd.child(it) }, func(nd *znode) int { return nd.leafPos(it) }).Member
}

// removeAt deletes and returns the item of rank rank.
func (t *ztree) removeAt(rank int) ZItem {
	return t.removeBy(func(nd *znode) int {
		i := 0
		for rank >= nd.cnt[i] {
			rank -= nd.cnt[i]
			i++
		}
		return i
	}, func(*znode) int { return rank })
}

// removeBy deletes the item found by descending through kid(nd) and taking
// the leaf's index pos(leaf), rebalancing on the way back up.
func (t *ztree) removeBy(kid func(*znode) int, pos func(*znode) int) ZItem {
	var path [64]struct {
		nd *znode
		i  int
	}
	depth := 0
	nd := t.root
	for nd.kids != nil {
		i := kid(nd)
		nd.cnt[i]--
		path[depth].nd, path[depth].i = nd, i
		depth++
		nd = nd.kids[i]
	}
	p := pos(nd)
	it := nd.items[p]
	copy(nd.items[p:], nd.items[p+1:])
	nd.items[len(nd.items)-1] = ZItem{}
	nd.items = nd.items[:len(nd.items)-1]
	for d := depth - 1; d >= 0; d-- {
		t.rebalance(path[d].nd, path[d].i)
	}
	t.n--
	switch r := t.root; {
	case r.kids != nil && len(r.kids) == 1:
		t.root = r.kids[0]
		t.inners--
	case r.kids == nil && len(r.items) == 0:
		t.root = nil
		t.leaves--
	}
	return it
}

// rebalance fixes nd's kid i if it has become too small, by merging it with
// a neighbour or taking some of the neighbour's entries.
func (t *ztree) rebalance(nd *znode, i int) {
	c := nd.kids[i]
	if c.kids == nil && len(c.items) >= leafMin || c.kids != nil && len(c.kids) >= innerMin {
		return
	}
	if len(nd.kids) < 2 {
		return
	}
	a := i
	if i > 0 {
		a = i - 1
	}
	l, r := nd.kids[a], nd.kids[a+1]
	if l.kids == nil {
		t.rebalanceLeaves(nd, a, l, r)
	} else {
		t.rebalanceInner(nd, a, l, r)
	}
}

// dropKid removes nd's kid a+1 after it was merged into kid a.
func (t *ztree) dropKid(nd *znode, a int) {
	nd.cnt[a] += nd.cnt[a+1]
	copy(nd.kids[a+1:], nd.kids[a+2:])
	nd.kids[len(nd.kids)-1] = nil
	nd.kids = nd.kids[:len(nd.kids)-1]
	copy(nd.keys[a+1:], nd.keys[a+2:])
	nd.keys[len(nd.keys)-1] = ZItem{}
	nd.keys = nd.keys[:len(nd.keys)-1]
	copy(nd.cnt[a+1:], nd.cnt[a+2:])
	nd.cnt = nd.cnt[:len(nd.cnt)-1]
}

func (t *ztree) rebalanceLeaves(nd *znode, a int, l, r *znode) {
	total := len(l.items) + len(r.items)
	if total <= leafMax {
		l.items = append(l.items, r.items...)
		l.next = r.next
		if r.next != nil {
			r.next.prev = l
		}
		t.leaves--
		t.dropKid(nd, a)
		return
	}
	want := total / 2
	if len(l.items) < want {
		k := want - len(l.items)
		l.items = append(l.items, r.items[:k]...)
		copy(r.items, r.items[k:])
		clear(r.items[len(r.items)-k:])
		r.items = r.items[:len(r.items)-k]
	} else {
		k := len(l.items) - want
		r.items = append(r.items, l.items[want:]...) // room for k, then shift
		copy(r.items[k:], r.items[:len(r.items)-k])
		copy(r.items, l.items[want:])
		clear(l.items[want:])
		l.items = l.items[:want]
	}
	nd.keys[a+1] = r.items[0]
	nd.cnt[a], nd.cnt[a+1] = len(l.items), len(r.items)
}

func (t *ztree) rebalanceInner(nd *znode, a int, l, r *znode) {
	sep := nd.keys[a+1]
	if len(l.kids)+len(r.kids) <= innerMax {
		l.kids = append(l.kids, r.kids...)
		l.keys = append(l.keys, sep)
		l.keys = append(l.keys, r.keys[1:]...)
		l.cnt = append(l.cnt, r.cnt...)
		t.inners--
		t.dropKid(nd, a)
		return
	}
	// Lay both out as one sequence (the separator takes r.keys[0]'s
	// place) and cut it in the middle.
	kids := append(append([]*znode(nil), l.kids...), r.kids...)
	keys := append(append(append([]ZItem(nil), l.keys...), sep), r.keys[1:]...)
	cnt := append(append([]int(nil), l.cnt...), r.cnt...)
	w := len(kids) / 2
	clear(l.kids[:cap(l.kids)])
	clear(l.keys[:cap(l.keys)])
	clear(r.kids[:cap(r.kids)])
	clear(r.keys[:cap(r.keys)])
	l.kids = append(l.kids[:0], kids[:w]...)
	l.keys = append(l.keys[:0], keys[:w]...)
	l.cnt = append(l.cnt[:0], cnt[:w]...)
	r.kids = append(r.kids[:0], kids[w:]...)
	r.keys = append(r.keys[:0], ZItem{})
	r.keys = append(r.keys, keys[w+1:]...)
	r.cnt = append(r.cnt[:0], cnt[w:]...)
	nd.keys[a+1] = keys[w]
	nd.cnt[a], nd.cnt[a+1] = l.size(), r.size()
}

// leafAt returns the leaf holding rank rank and the index in it.
func (t *ztree) leafAt(rank int) (*znode, int) {
	nd := t.root
	for nd.kids != nil {
		i := 0
		for i < len(nd.cnt)-1 && rank >= nd.cnt[i] {
			rank -= nd.cnt[i]
			i++
		}
		nd = nd.kids[i]
	}
	return nd, rank
}

// at returns the item of rank rank (0 <= rank < n).
func (t *ztree) at(rank int) ZItem {
	nd, i := t.leafAt(rank)
	return nd.items[i]
}

// ascend calls fn for ranks from, from+1, ... until it returns false.
func (t *ztree) ascend(from int, fn func(rank int, it ZItem) bool) {
	if from >= t.n {
		return
	}
	nd, i := t.leafAt(from)
	for rank := from; nd != nil; nd, i = nd.next, 0 {
		for ; i < len(nd.items); i++ {
			if !fn(rank, nd.items[i]) {
				return
			}
			rank++
		}
	}
}

// descend calls fn for ranks from, from-1, ... 0 until it returns false.
func (t *ztree) descend(from int, fn func(rank int, it ZItem) bool) {
	if from < 0 || t.n == 0 {
		return
	}
	nd, i := t.leafAt(from)
	for rank := from; nd != nil; {
		for ; i >= 0; i-- {
			if !fn(rank, nd.items[i]) {
				return
			}
			rank--
		}
		if nd = nd.prev; nd != nil {
			i = len(nd.items) - 1
		}
	}
}

// countWhile returns the number of leading items for which pred holds;
// pred must hold for a prefix of the order.
func (t *ztree) countWhile(pred func(ZItem) bool) int {
	nd := t.root
	if nd == nil {
		return 0
	}
	n := 0
	for nd.kids != nil {
		i := sort.Search(len(nd.keys)-1, func(j int) bool { return !pred(nd.keys[j+1]) })
		for _, c := range nd.cnt[:i] {
			n += c
		}
		nd = nd.kids[i]
	}
	return n + sort.Search(len(nd.items), func(i int) bool { return !pred(nd.items[i]) })
}
