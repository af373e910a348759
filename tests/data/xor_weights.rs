(
    constnet::layers::Dense::from_weights([[1.2594807, -2.459337], [-2.2159078, -2.079423], [3.2173493, -2.5577414], [-0.9450898, 1.9496583]], [-0.25552464, 0.33019954, 1.1043603, 0.17113854]),
    constnet::layers::Tanh,
    constnet::layers::Dense::from_weights([[2.712566, -3.3400066, -4.1302166, -1.9154994]], [1.1622173]),
    constnet::layers::Sigmoid,
)
