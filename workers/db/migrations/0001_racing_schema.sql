-- Parc Fermé schema as the API's EF Core migrations create it (SPEC §1): quoted PascalCase,
-- uuid primary keys named "Id", enums stored as integer.

CREATE TABLE IF NOT EXISTS "Series" (
    "Id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    "Name" text NOT NULL,
    "Slug" text NOT NULL,
    "LogoUrl" text NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS "IX_Series_Slug" ON "Series" ("Slug");

CREATE TABLE IF NOT EXISTS "Seasons" (
    "Id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    "SeriesId" uuid NOT NULL REFERENCES "Series" ("Id") ON DELETE CASCADE,
    "Year" integer NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS "IX_Seasons_SeriesId_Year" ON "Seasons" ("SeriesId", "Year");

CREATE TABLE IF NOT EXISTS "Circuits" (
    "Id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    "Name" text NOT NULL,
    "Slug" text NOT NULL,
    "Location" text NOT NULL,
    "Country" text NOT NULL,
    "CountryCode" text NULL,
    "LayoutMapUrl" text NULL,
    "Latitude" double precision NULL,
    "Longitude" double precision NULL,
    "LengthMeters" integer NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS "IX_Circuits_Slug" ON "Circuits" ("Slug");

CREATE TABLE IF NOT EXISTS "Rounds" (
    "Id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    "SeasonId" uuid NOT NULL REFERENCES "Seasons" ("Id") ON DELETE CASCADE,
    "CircuitId" uuid NOT NULL REFERENCES "Circuits" ("Id") ON DELETE CASCADE,
    "Name" text NOT NULL,
    "Slug" text NOT NULL,
    "RoundNumber" integer NOT NULL,
    "DateStart" date NOT NULL,
    "DateEnd" date NOT NULL,
    "OpenF1MeetingKey" integer NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS "IX_Rounds_Slug" ON "Rounds" ("Slug");
CREATE INDEX IF NOT EXISTS "IX_Rounds_OpenF1MeetingKey" ON "Rounds" ("OpenF1MeetingKey");
CREATE INDEX IF NOT EXISTS "IX_Rounds_SeasonId" ON "Rounds" ("SeasonId");
CREATE INDEX IF NOT EXISTS "IX_Rounds_CircuitId" ON "Rounds" ("CircuitId");

CREATE TABLE IF NOT EXISTS "Sessions" (
    "Id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    "RoundId" uuid NOT NULL REFERENCES "Rounds" ("Id") ON DELETE CASCADE,
    "Type" integer NOT NULL,
    "StartTimeUtc" timestamp with time zone NOT NULL,
    "Status" integer NOT NULL,
    "OpenF1SessionKey" integer NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS "IX_Sessions_OpenF1SessionKey" ON "Sessions" ("OpenF1SessionKey");
CREATE INDEX IF NOT EXISTS "IX_Sessions_RoundId" ON "Sessions" ("RoundId");

CREATE TABLE IF NOT EXISTS "Drivers" (
    "Id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    "FirstName" text NOT NULL,
    "LastName" text NOT NULL,
    "Slug" text NOT NULL,
    "Abbreviation" text NULL,
    "Nationality" text NULL,
    "HeadshotUrl" text NULL,
    "DriverNumber" integer NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS "IX_Drivers_Slug" ON "Drivers" ("Slug");

CREATE TABLE IF NOT EXISTS "Teams" (
    "Id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    "Name" text NOT NULL,
    "Slug" text NOT NULL,
    "ShortName" text NULL,
    "LogoUrl" text NULL,
    "PrimaryColor" text NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS "IX_Teams_Slug" ON "Teams" ("Slug");

CREATE TABLE IF NOT EXISTS "Entrants" (
    "Id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    "RoundId" uuid NOT NULL REFERENCES "Rounds" ("Id") ON DELETE CASCADE,
    "DriverId" uuid NOT NULL REFERENCES "Drivers" ("Id") ON DELETE CASCADE,
    "TeamId" uuid NOT NULL REFERENCES "Teams" ("Id") ON DELETE CASCADE,
    "CarNumber" integer NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS "IX_Entrants_RoundId_DriverId_TeamId" ON "Entrants" ("RoundId", "DriverId", "TeamId");
CREATE INDEX IF NOT EXISTS "IX_Entrants_DriverId" ON "Entrants" ("DriverId");
CREATE INDEX IF NOT EXISTS "IX_Entrants_TeamId" ON "Entrants" ("TeamId");

CREATE TABLE IF NOT EXISTS "Results" (
    "Id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    "SessionId" uuid NOT NULL REFERENCES "Sessions" ("Id") ON DELETE CASCADE,
    "EntrantId" uuid NOT NULL REFERENCES "Entrants" ("Id") ON DELETE CASCADE,
    "Position" integer NULL,
    "GridPosition" integer NULL,
    "Status" integer NOT NULL,
    "Points" double precision NULL,
    "Time" interval NULL,
    "Laps" integer NULL,
    "FastestLap" boolean NOT NULL DEFAULT false
);
CREATE UNIQUE INDEX IF NOT EXISTS "IX_Results_SessionId_EntrantId" ON "Results" ("SessionId", "EntrantId");
CREATE INDEX IF NOT EXISTS "IX_Results_EntrantId" ON "Results" ("EntrantId");

-- User tables: the API's. The workers never write them; their cascades are real (SPEC §1).
CREATE TABLE IF NOT EXISTS "Users" (
    "Id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    "Email" text NOT NULL,
    "DisplayName" text NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS "IX_Users_Email" ON "Users" ("Email");

CREATE TABLE IF NOT EXISTS "Logs" (
    "Id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    "UserId" uuid NOT NULL REFERENCES "Users" ("Id") ON DELETE CASCADE,
    "SessionId" uuid NOT NULL REFERENCES "Sessions" ("Id") ON DELETE CASCADE,
    "LoggedAt" timestamp with time zone NOT NULL,
    "Rating" double precision NULL
);
CREATE INDEX IF NOT EXISTS "IX_Logs_UserId" ON "Logs" ("UserId");
CREATE INDEX IF NOT EXISTS "IX_Logs_SessionId" ON "Logs" ("SessionId");

CREATE TABLE IF NOT EXISTS "Reviews" (
    "Id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    "LogId" uuid NOT NULL REFERENCES "Logs" ("Id") ON DELETE CASCADE,
    "Body" text NOT NULL
);
CREATE INDEX IF NOT EXISTS "IX_Reviews_LogId" ON "Reviews" ("LogId");

CREATE TABLE IF NOT EXISTS "ListItems" (
    "Id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    "UserId" uuid NOT NULL REFERENCES "Users" ("Id") ON DELETE CASCADE,
    "SessionId" uuid NOT NULL REFERENCES "Sessions" ("Id") ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS "IX_ListItems_UserId" ON "ListItems" ("UserId");
CREATE INDEX IF NOT EXISTS "IX_ListItems_SessionId" ON "ListItems" ("SessionId");

CREATE TABLE IF NOT EXISTS "Grandstands" (
    "Id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    "CircuitId" uuid NOT NULL REFERENCES "Circuits" ("Id") ON DELETE CASCADE,
    "Name" text NOT NULL
);
CREATE INDEX IF NOT EXISTS "IX_Grandstands_CircuitId" ON "Grandstands" ("CircuitId");
