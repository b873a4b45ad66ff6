"""The model enums, exposed to GraphQL under the same names."""

import strawberry

from models import enums

GenerationStatus = strawberry.enum(enums.GenerationStatus, description="Where a session is in generation.")
Goal = strawberry.enum(enums.Goal)
Level = strawberry.enum(enums.Level)
Phase = strawberry.enum(enums.Phase)
Focus = strawberry.enum(enums.Focus)
Pattern = strawberry.enum(enums.Pattern)
Equipment = strawberry.enum(enums.Equipment)
Role = strawberry.enum(enums.Role)
