(
    constnet::layers::Dense::from_weights([[1.259481, -2.4593368], [-2.2159076, -2.0794232], [3.217349, -2.5577412], [-0.9450899, 1.9496583]], [-0.25552502, 0.33019957, 1.1043599, 0.17113861]),
    constnet::layers::Tanh,
    constnet::layers::Dense::from_weights([[2.7125657, -3.3400064, -4.1302166, -1.9155003]], [1.1622176]),
    constnet::layers::Sigmoid,
)
