package signal

// Offers reports whether self sends the offer in a call with other, by the
// protocol's who-offers rule. otherWasFirst is true when self learned of
// other from welcome.peers (other was in the room first) and false when it
// learned of it from peer-joined. It is false for pairs that make no call
// (sender-sender, receiver-receiver) on both sides.
func Offers(self, other Role, otherWasFirst bool) bool {
	switch {
	case self == RoleSender:
		return other == RoleReceiver || other == RolePeer
	case self == RolePeer && other == RoleReceiver:
		return true
	case self == RolePeer && other == RolePeer:
		return otherWasFirst
	}
	return false
}

// Calls reports whether two roles make a call at all.
func Calls(a, b Role) bool {
	return Offers(a, b, true) || Offers(b, a, false)
}
